using Microsoft.ML;
using Microsoft.ML.Data;

namespace Malaria.Training.Evaluation;

/// <summary>What evaluation needs from a scored data set: the true label index and the score vector of every row,
/// both in the order of <see cref="Labels"/>.</summary>
public sealed record ScoredSet(IReadOnlyList<string> Labels, IReadOnlyList<int> Truth, IReadOnlyList<float[]> Scores)
{
    /// <summary>Number of rows.</summary>
    public int Count => Truth.Count;

    /// <summary>Index of the highest score of row <paramref name="row"/> (ties go to the first label).</summary>
    public int Predicted(int row)
    {
        var scores = Scores[row];
        var best = 0;
        for (var i = 1; i < scores.Length; i++) if (scores[i] > scores[best]) best = i;
        return best;
    }

    /// <summary>
    /// Reads a scored view: <paramref name="scoreColumnName"/> (float vector in <paramref name="labels"/> order) and the
    /// label column, either text (label names) or a key whose values are <paramref name="labels"/> in the same order.
    /// </summary>
    public static ScoredSet FromDataView(IDataView scored, IReadOnlyList<string> labels, string labelColumnName, string scoreColumnName,
        Action<int>? rowsDone = null)
    {
        ArgumentNullException.ThrowIfNull(scored);
        var label = scored.Schema.GetColumnOrNull(labelColumnName)
            ?? throw new InvalidDataException($"Scored data has no label column '{labelColumnName}'.");
        var score = scored.Schema.GetColumnOrNull(scoreColumnName)
            ?? throw new InvalidDataException($"Scored data has no score column '{scoreColumnName}'.");
        if (score.Type is not VectorDataViewType { ItemType: NumberDataViewType } scoreType || scoreType.Size != labels.Count)
            throw new InvalidDataException($"Score column '{scoreColumnName}' is {score.Type}, expected {labels.Count} floats.");
        var isKey = label.Type is KeyDataViewType;
        if (isKey)
        {
            VBuffer<ReadOnlyMemory<char>> names = default;
            if (!label.HasKeyValues()) throw new InvalidDataException($"Key label column '{labelColumnName}' has no label names.");
            label.GetKeyValues(ref names);
            var keyNames = names.DenseValues().Select(n => n.ToString()).ToArray();
            if (!keyNames.SequenceEqual(labels))
                throw new InvalidDataException($"Label keys ({string.Join(", ", keyNames)}) differ from the model's labels ({string.Join(", ", labels)}).");
        }
        else if (label.Type is not TextDataViewType)
            throw new InvalidDataException($"Label column '{labelColumnName}' must be text or a key, not {label.Type}.");

        var index = labels.Select((l, i) => (l, i)).ToDictionary(p => p.l, p => p.i, StringComparer.Ordinal);
        var truth = new List<int>();
        var scores = new List<float[]>();
        using var cursor = scored.GetRowCursor([label, score]);
        var scoreGetter = cursor.GetGetter<VBuffer<float>>(score);
        var keyGetter = isKey ? cursor.GetGetter<uint>(label) : null;
        var textGetter = isKey ? null : cursor.GetGetter<ReadOnlyMemory<char>>(label);
        VBuffer<float> vector = default;
        uint key = 0;
        ReadOnlyMemory<char> text = default;
        while (cursor.MoveNext())
        {
            if (keyGetter is not null)
            {
                keyGetter(ref key);
                if (key == 0) throw new InvalidDataException($"Row {truth.Count + 1} has no label.");
                truth.Add((int)key - 1);
            }
            else
            {
                textGetter!(ref text);
                var name = text.ToString();
                truth.Add(index.TryGetValue(name, out var i) ? i
                    : throw new InvalidDataException($"Row {truth.Count + 1} has label '{name}', which the model does not know ({string.Join(", ", labels)})."));
            }
            scoreGetter(ref vector);
            scores.Add(vector.DenseValues().ToArray());
            rowsDone?.Invoke(scores.Count);
        }
        return new ScoredSet(labels, truth, scores);
    }
}
