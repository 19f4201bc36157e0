using Malaria.Inference.Models;
using Malaria.Web;
using Malaria.Web.Classification;
using Microsoft.Extensions.Options;

WebApplication app;
try
{
    app = WebApplication.CreateBuilder(args).AddMalariaWeb().Build().UseMalariaWeb();
    // Load every model now: a bad file stops the process with one line naming it, before anything listens.
    app.Services.GetRequiredService<ClassifierService>();
}
catch (Exception ex) when (StartupError(ex) is { } message)
{
    Console.Error.WriteLine($"Malaria.Web cannot start: {message}");
    return 1;
}
app.Run();
return 0;

static string? StartupError(Exception ex) => ex switch
{
    ModelLoadException load => load.Message,
    OptionsValidationException options => options.Message,
    AggregateException { InnerExceptions.Count: 1 } aggregate => StartupError(aggregate.InnerException!),
    _ when ex.InnerException is not null => StartupError(ex.InnerException),
    _ => null,
};

/// <summary>The entry point, visible to WebApplicationFactory.</summary>
public partial class Program;
