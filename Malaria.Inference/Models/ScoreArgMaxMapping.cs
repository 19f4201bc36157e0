using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms;

namespace Malaria.Inference.Models;

/// <summary>
/// The index of the highest <see cref="ModelColumns.Score"/>, as a saveable ML.NET custom mapping. Zips that wrap an
/// exported ONNX classifier use it to turn the graph's probabilities into <see cref="ModelColumns.PredictedLabel"/>
/// (index, then a value mapping to the label text): ML.NET's ONNX transform only yields vector columns, and no stock
/// transform reduces a vector to a scalar. Loading such a zip needs <see cref="Register"/> on the context first.
/// </summary>
[CustomMappingFactoryAttribute(ContractName)]
public sealed class ScoreArgMaxMapping : CustomMappingFactory<ScoreArgMaxMapping.Input, ScoreArgMaxMapping.Output>
{
    /// <summary>The name the mapping is saved under in a model zip.</summary>
    public const string ContractName = "Malaria.ScoreArgMax";

    /// <summary>The column holding the index of the highest score.</summary>
    public const string IndexColumn = "Malaria.PredictedIndex";

    /// <summary>Makes <paramref name="mlContext"/> able to load zips containing this mapping.</summary>
    public static void Register(MLContext mlContext)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        mlContext.ComponentCatalog.RegisterAssembly(typeof(ScoreArgMaxMapping).Assembly);
    }

    /// <summary>The arg-max; the first index wins ties, and an empty score vector gives -1.</summary>
    public static void Map(Input input, Output output)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(output);
        var best = -1;
        var scores = input.Score ?? [];
        for (var i = 0; i < scores.Length; i++)
            if (best < 0 || scores[i] > scores[best]) best = i;
        output.Index = best;
    }

    /// <inheritdoc />
    public override Action<Input, Output> GetMapping() => Map;

    /// <summary>The mapping's input row.</summary>
    public sealed class Input
    {
        /// <summary>One score per label.</summary>
        [ColumnName(ModelColumns.Score)]
        public float[]? Score { get; set; }
    }

    /// <summary>The mapping's output row.</summary>
    public sealed class Output
    {
        /// <summary>Index of the highest score.</summary>
        [ColumnName(IndexColumn)]
        public int Index { get; set; }
    }
}
