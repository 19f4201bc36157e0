using Microsoft.Extensions.Logging;

namespace Malaria.Inference.Pooling;

/// <summary>Raises an event handler by handler, so that one that throws neither stops the others nor the reload that raised it.</summary>
internal static class EventRaising
{
    public static void RaiseEach<T>(EventHandler<T>? handler, object sender, T args, ILogger logger, string modelName)
    {
        if (handler is null) return;
        foreach (var single in handler.GetInvocationList().Cast<EventHandler<T>>())
        {
            try { single(sender, args); }
            catch (Exception ex) { logger.LogError(ex, "A {Event} handler of model {ModelName} threw; the other handlers still run.", typeof(T).Name, modelName); }
        }
    }
}
