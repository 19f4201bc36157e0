using Malaria.Inference;
using Malaria.Inference.Imaging;

namespace Malaria.Training.Scoring;

/// <summary>
/// Scores one chunk through the library's batch call, so a faster <c>ClassifyBatch</c> speeds every run. A file that
/// is not a usable image fails a batch call naming the file; it becomes an error row and the files before and after it
/// are scored in their own batch calls, so one bad file costs one retry and never stops the run. The same chunk always
/// meets the same failures, so it is always scored in the same batches and gives the same bytes.
/// </summary>
public sealed class ChunkScorer(IMalariaClassifier classifier, ScoreInput input, string positiveLabel)
{
    /// <summary>The rows of <paramref name="items"/>, in their order.</summary>
    public ScoreRow[] Score(IReadOnlyList<ScoreItem> items)
    {
        var paths = items.Select(input.FullPath).ToArray();
        var rows = new ScoreRow[items.Count];
        var start = 0;
        while (start < items.Count)
        {
            try
            {
                Fill(items, paths, rows, start, items.Count);
                break;
            }
            catch (Exception ex) when (BadFile(ex, paths, start) is { } bad)
            {
                // The files before the bad one were read without trouble; scoring them again in one call keeps their
                // batches the same on every run of this chunk.
                if (bad.Index > start) ScorePrefix(items, paths, rows, start, bad.Index);
                rows[bad.Index] = ErrorRow(items[bad.Index], bad.Error);
                start = bad.Index + 1;
            }
            catch (Exception ex) when (Unwrap(ex) is IOException or UnauthorizedAccessException)
            {
                // A read failure that names no file (permissions, a vanished mount): file by file, so it lands on one row.
                for (var i = start; i < items.Count; i++) rows[i] = ScoreAlone(items[i], paths[i]);
                break;
            }
        }
        return rows;
    }

    private void ScorePrefix(IReadOnlyList<ScoreItem> items, string[] paths, ScoreRow[] rows, int from, int to)
    {
        try { Fill(items, paths, rows, from, to); }
        catch (Exception ex) when (BadFile(ex, paths, from) is not null || Unwrap(ex) is IOException or UnauthorizedAccessException)
        {
            // The file changed between the two reads; file by file is still exact for this rare case.
            for (var i = from; i < to; i++) rows[i] = ScoreAlone(items[i], paths[i]);
        }
    }

    private void Fill(IReadOnlyList<ScoreItem> items, string[] paths, ScoreRow[] rows, int from, int to)
    {
        var predictions = classifier.ClassifyBatch(paths[from..to]);
        if (predictions.Count != to - from)
            throw new InvalidOperationException($"The classifier returned {predictions.Count} predictions for {to - from} images.");
        for (var i = from; i < to; i++) rows[i] = Row(items[i], predictions[i - from]);
    }

    private ScoreRow ScoreAlone(ScoreItem item, string path)
    {
        try { return Row(item, classifier.Classify(path)); }
        catch (Exception ex) when (Describe(Unwrap(ex), path, item.Key) is { } error) { return ErrorRow(item, error); }
    }

    private ScoreRow Row(ScoreItem item, CellPrediction prediction) =>
        new(item.Key, item.Group, prediction.Label, prediction.ScoreOf(positiveLabel), prediction.ModelVersion, null);

    private ScoreRow ErrorRow(ScoreItem item, string error) => new(item.Key, item.Group, null, null, classifier.Version, error);

    /// <summary>The file of the batch <paramref name="ex"/> names, with the error text for its row; null when it names none.</summary>
    private (int Index, string Error)? BadFile(Exception ex, string[] paths, int from)
    {
        var root = Unwrap(ex);
        var named = root switch
        {
            InvalidImageException invalid => invalid.SourceName,
            FileNotFoundException missing => missing.FileName,
            _ => null,
        };
        if (named is null) return null;
        var index = Array.IndexOf(paths, named, from);
        return index < 0 ? null : (index, Describe(root, paths[index], ItemKey(paths[index]))!);
    }

    private string ItemKey(string path) => ScoreInputReader.Key(input.Root, path);

    /// <summary>
    /// The row's error text: the library's reason and detail, without the absolute path (the row names the file, and
    /// the output must not depend on where the input was mounted). Null for an exception that is not about the file.
    /// </summary>
    private static string? Describe(Exception ex, string path, string key) => ex switch
    {
        InvalidImageException invalid => $"{invalid.Reason}: {invalid.Detail}",
        FileNotFoundException or DirectoryNotFoundException => "Missing: the file does not exist.",
        UnauthorizedAccessException or IOException => $"Unreadable: {ex.Message.Replace(path, key, StringComparison.Ordinal)}",
        _ => null,
    };

    private static Exception Unwrap(Exception ex)
    {
        while (ex is AggregateException { InnerException: { } inner }) ex = inner;
        return ex;
    }
}
