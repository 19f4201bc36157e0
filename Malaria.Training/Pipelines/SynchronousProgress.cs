namespace Malaria.Training.Pipelines;

/// <summary>
/// Reports on the calling thread, in order. <see cref="Progress{T}"/> posts to the thread pool when there is no
/// synchronisation context (a console app), so its lines can arrive late or out of order.
/// </summary>
internal sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
