namespace Malaria.Training.MlNet;

/// <summary>
/// Extra views of each training image whose backbone features are added to the classifier's training set. A cell
/// crop has no up or left, so flipped and rotated copies are equally real cells; prediction uses the image as given.
/// </summary>
public enum ImageAugmentation
{
    /// <summary>Only the image itself.</summary>
    None,

    /// <summary>The image, its horizontal and vertical mirror images and its 180 degree rotation (4 views).</summary>
    Flips,

    /// <summary>All 8 rotations and mirror images of the square (the dihedral group).</summary>
    Dihedral,
}
