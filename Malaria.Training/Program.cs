using System.CommandLine;
using Malaria.Training;

return CommandLineApp.Run(args);
