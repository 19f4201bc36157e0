using System.CommandLine;
using Malaria.Training;
using Malaria.Training.Commands;

return CommandLineApp.Run(args);
