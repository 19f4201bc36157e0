using Malaria.Inference;
using Malaria.Inference.Pooling;

namespace Malaria.Inference.Tests;

/// <summary>
/// Explaining an upload: ASP.NET Core request bodies refuse synchronous reads, so the stream must be read
/// asynchronously; the pool explains by stream, bytes and path as the classifier does.
/// </summary>
public sealed class ExplainAsyncTests
{
    [Test]
    public async Task ExplainAsync_reads_a_stream_that_refuses_synchronous_reads()
    {
        using var classifier = MalariaClassifier.LoadDefault();
        var png = TestImages.Png(TestImages.Tint.Red, 120, 110);
        using var body = new AsyncOnlyStream(png);
        Assert.Throws<InvalidOperationException>(() => classifier.Explain(new AsyncOnlyStream(png), "upload.png"), "the synchronous overload cannot read it");

        var explanation = await classifier.ExplainAsync(body, "upload.png");
        Assert.That(explanation.Heatmap.Width, Is.EqualTo(120));
        Assert.That(explanation.Heatmap.Height, Is.EqualTo(110));
        Assert.That(explanation.TargetLabel, Is.EqualTo(explanation.Prediction.Label));
    }

    [Test]
    public async Task The_pool_explains_by_stream_bytes_and_path_with_the_same_result()
    {
        using var folder = new TempFolder();
        using var pool = new MalariaPredictionEnginePool().FromDefault();
        var png = TestImages.Png(TestImages.Tint.Blue, 100, 100);
        var path = folder.Write("cell.png", png);
        const string name = MalariaPredictionEnginePool.DefaultModelName;

        var fromPath = pool.Explain(name, path, "Parasitized");
        var fromBytes = pool.Explain(name, png, "cell.png", "Parasitized");
        var fromStream = pool.Explain(name, new MemoryStream(png), "cell.png", "Parasitized");
        var fromAsync = await pool.ExplainAsync(name, new AsyncOnlyStream(png), "cell.png", "Parasitized");
        foreach (var other in new[] { fromBytes, fromStream, fromAsync })
        {
            Assert.That(other.TargetLabel, Is.EqualTo("Parasitized"));
            Assert.That(other.Heatmap.Values, Is.EqualTo(fromPath.Heatmap.Values));
            Assert.That(other.Prediction.ScoreVector, Is.EqualTo(fromPath.Prediction.ScoreVector));
        }
        Assert.Throws<ArgumentException>(() => pool.Explain(name, png, "cell.png", "Malaria"), "an unknown label is the caller's error");
        Assert.That(pool.Classify(name, png).Label, Is.EqualTo(fromPath.Prediction.Label), "the engine is still usable after it");
    }

    /// <summary>Behaves as Kestrel's request body with AllowSynchronousIO off: only asynchronous reads work.</summary>
    private sealed class AsyncOnlyStream(byte[] data) : Stream
    {
        private readonly MemoryStream _inner = new(data);

        public override int Read(byte[] buffer, int offset, int count) => throw new InvalidOperationException("Synchronous operations are disallowed.");

        public override int Read(Span<byte> buffer) => throw new InvalidOperationException("Synchronous operations are disallowed.");

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await Task.Yield();
            return _inner.Read(buffer.Span);
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
