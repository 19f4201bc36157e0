namespace Malaria.Inference.Imaging;

/// <summary>
/// Ways an input looks unlike the crops the models were trained on (single NIH cells, about 130 pixels across,
/// everything outside the cell masked to black). A prediction on such an input is less trustworthy than its
/// confidence says: see the model card's input domain.
/// </summary>
[Flags]
public enum InputWarnings
{
    /// <summary>The input looks like the training crops.</summary>
    None = 0,

    /// <summary>
    /// The crop's edge is not the black mask: less than half of its outer two-pixel ring is near-black, which no
    /// training crop has. Typical of plain bounding-box crops that keep the plasma and neighbouring cells.
    /// </summary>
    NoMaskedBackground = 1,

    /// <summary>A side is shorter than 40 pixels or longer than 400: far from a single cell at the training magnification.</summary>
    UnusualSize = 2,

    /// <summary>
    /// The crop is masked but its cell stops short of the edges (small in the frame, or off centre); every training
    /// crop is its cell's bounding box.
    /// </summary>
    LooseCrop = 4,
}
