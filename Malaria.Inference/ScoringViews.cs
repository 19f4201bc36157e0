namespace Malaria.Inference;

/// <summary>
/// Which views of an image a prediction averages. The views of a cell crop are its rotations and mirror images (the
/// symmetries of the square): none changes a cell's diagnosis, and averaging the model's logits over all 8 (test-time
/// augmentation) usually scores a little better, for 8 times the model work. Models whose graph already averages the
/// views (exports before this choice existed; see <see cref="ModelCardViews"/>) are always scored as their graph
/// scores: the library never adds views on top.
/// </summary>
public enum ScoringViews
{
    /// <summary>The image as it is: one model run per image.</summary>
    Single = 1,

    /// <summary>
    /// The mean logits of the image's 8 views: itself, mirrored left-right, mirrored top-bottom, turned 180 degrees,
    /// and the same four of its transpose (the 8 are scored in one model run). Grad-CAM maps are turned back onto the
    /// upright image and averaged.
    /// </summary>
    Dihedral = 8,
}
