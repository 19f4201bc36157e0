using Malaria.Inference.Imaging;

namespace Malaria.Web.Endpoints;

/// <summary>The library's input-domain warnings in words a lab user can act on.</summary>
internal static class InputWarningText
{
    public static IReadOnlyList<InputWarning> Describe(InputWarnings warnings)
    {
        var list = new List<InputWarning>();
        if (warnings.HasFlag(InputWarnings.NoMaskedBackground))
            list.Add(new(nameof(InputWarnings.NoMaskedBackground),
                "Not a masked single-cell crop: the model was trained on cells cut out on a black background. Its central cell is cut out before scoring where it can be found; the confidence may still overstate how sure the model is."));
        if (warnings.HasFlag(InputWarnings.UnusualSize))
            list.Add(new(nameof(InputWarnings.UnusualSize),
                $"Unusual size for one cell: the model was trained on crops of {InputDomain.MinSide}-{InputDomain.MaxSide} pixels a side (about 130)."));
        if (warnings.HasFlag(InputWarnings.LooseCrop))
            list.Add(new(nameof(InputWarnings.LooseCrop),
                "The cell does not fill the crop (small or off centre); it was cropped to the cell before scoring, as the training crops are."));
        return list;
    }
}
