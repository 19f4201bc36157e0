using System.Text;

namespace Malaria.Inference.Models;

/// <summary>
/// A model in memory: its description and a factory of scoring engines. Built from <see cref="ModelFiles"/> read
/// once, so the version always describes exactly what is scoring, even if the files change meanwhile.
/// </summary>
internal abstract class LoadedModel : IDisposable
{
    protected LoadedModel(ModelInfo info) => Info = info;

    public ModelInfo Info { get; }

    public abstract ScoringEngine CreateEngine();

    public abstract void Dispose();

    /// <summary>Loads <paramref name="path"/> (zip or onnx, by extension) with the <c>model.json</c> beside it.</summary>
    public static LoadedModel Load(string path, string? operatingPoint = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        return Load(ModelSource.FromFile(path).Read(), operatingPoint);
    }

    /// <summary>Checks the card, then builds the model from the bytes.</summary>
    /// <param name="files">The model and card bytes.</param>
    /// <param name="operatingPoint">The operating point to decide at; null: the card's default.</param>
    /// <param name="views">The views predictions are scored with unless a call asks for others (<see cref="MalariaClassifierOptions.Views"/>).</param>
    /// <param name="onnxIntraOpThreads">ONNX Runtime threads per model run (<see cref="MalariaClassifierOptions.OnnxIntraOpThreads"/>).</param>
    /// <exception cref="ModelLoadException">The card is invalid, does not cover the views scored by default, names no such operating point, or the model breaks its contract.</exception>
    public static LoadedModel Load(ModelFiles files, string? operatingPoint = null, ScoringViews views = ScoringViews.Single, int onnxIntraOpThreads = 1)
    {
        ModelCard card;
        try { card = ModelCard.Parse(Encoding.UTF8.GetString(files.Card), files.CardSource); }
        catch (InvalidDataException ex) { throw new ModelLoadException(files.Source, ex.Message, ex); }
        if (card.InputWidth <= 0 || card.InputHeight <= 0)
            throw new ModelLoadException(files.Source, $"its model card '{files.CardSource}' has no input size (inputWidth/inputHeight).");

        IReadOnlyDictionary<int, Decisions.DecisionRule> rules;
        try { rules = Decisions.DecisionRule.ResolveAll(card, ModelInfo.ScoredViewsFor(card, views), operatingPoint); }
        catch (InvalidDataException ex) { throw new ModelLoadException(files.Source, $"{ex.Message} (card '{files.CardSource}')", ex); }

        var info = new ModelInfo(files.Source, files.Format, files.Version, card, DateTimeOffset.UtcNow, rules, ModelInfo.ScoredViewsFor(card, views));
        return files.Format == ModelFormat.MlNetZip ? MlNetModel.Load(info, files.Model) : OnnxModel.Load(info, files.Model, onnxIntraOpThreads);
    }
}
