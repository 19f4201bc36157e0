global using NUnit.Framework;
global using Malaria.Testing;
