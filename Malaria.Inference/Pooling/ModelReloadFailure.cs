namespace Malaria.Inference.Pooling;

/// <summary>Why the most recent reload of a model failed, and when; the model loaded before keeps serving.</summary>
/// <param name="At">When the reload failed (UTC).</param>
/// <param name="Message">The error's message (it names the file and the problem).</param>
/// <param name="Error">The exception itself.</param>
public sealed record ModelReloadFailure(DateTimeOffset At, string Message, Exception Error);
