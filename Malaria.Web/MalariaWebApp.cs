using System.Text.Json.Serialization;
using Malaria.Inference.Diagnostics;
using Malaria.Inference.HealthChecks;
using Malaria.Web.Classification;
using Malaria.Web.Diagnostics;
using Malaria.Web.Endpoints;
using Malaria.Web.Options;
using Malaria.Web.Problems;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;

namespace Malaria.Web;

/// <summary>The app's setup: services (<see cref="AddMalariaWeb"/>) and pipeline (<see cref="UseMalariaWeb"/>).</summary>
public static class MalariaWebApp
{
    /// <summary>Where the app listens when no URL is configured.</summary>
    public const string DefaultUrl = "http://localhost:5080";

    public static WebApplicationBuilder AddMalariaWeb(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<WebLimits>().BindConfiguration(WebLimits.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddClassifierModels(builder.Configuration);
        services.AddSingleton<WebMetrics>();
        services.AddSingleton<ScoringGate>();

        // The upload limits also bound the form reader and Kestrel, so an oversized body is cut off while it arrives.
        services.AddOptions<FormOptions>().Configure<IOptions<WebLimits>>((form, limits) =>
        {
            form.MultipartBodyLengthLimit = limits.Value.MaxRequestBytes;
            form.ValueCountLimit = limits.Value.MaxFilesPerRequest + 16;
        });
        services.AddOptions<KestrelServerOptions>().Configure<IOptions<WebLimits>>((kestrel, limits) =>
            kestrel.Limits.MaxRequestBodySize = limits.Value.MaxRequestBytes);

        services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
            context.ProblemDetails.Extensions.TryAdd("traceId", context.HttpContext.TraceIdentifier));
        services.AddExceptionHandler<ProblemExceptionHandler>();
        services.ConfigureHttpJsonOptions(options => options.SerializerOptions.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull);
        services.AddOpenApi();

        services.AddHealthChecks().AddMalariaClassifier("models", tags: [HealthEndpoints.ReadyTag]);
        services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter(WebMetrics.MeterName, MalariaInferenceMetrics.MeterName, "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel")
            .AddPrometheusExporter());

        if (string.IsNullOrEmpty(builder.Configuration["urls"]) && string.IsNullOrEmpty(builder.Configuration["http_ports"])
            && string.IsNullOrEmpty(builder.Configuration["https_ports"]) && !builder.Configuration.GetSection("Kestrel:Endpoints").Exists())
            builder.WebHost.UseUrls(DefaultUrl);
        return builder;
    }

    public static WebApplication UseMalariaWeb(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseDefaultFiles();
        app.UseStaticFiles();
        app.MapOpenApi();
        app.MapClassifierApi();
        app.MapHealthEndpoints();
        app.MapPrometheusScrapingEndpoint();
        app.Lifetime.ApplicationStarted.Register(() => AnnounceAddresses(app));
        return app;
    }

    private static void AnnounceAddresses(WebApplication app)
    {
        var addresses = app.Services.GetService<IServer>()?.Features.Get<IServerAddressesFeature>()?.Addresses;
        var models = app.Services.GetRequiredService<ClassifierService>().ModelNames;
        app.Logger.LogInformation("Malaria.Web serves {Models} at {Urls} (page /, API /api, OpenAPI /openapi/v1.json, metrics /metrics)",
            string.Join(", ", models), addresses is { Count: > 0 } ? string.Join(" ", addresses) : "(test server)");
    }
}
