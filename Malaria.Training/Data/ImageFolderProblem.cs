namespace Malaria.Training.Data;

/// <summary>Why a file of a labeled tree was left out.</summary>
public enum ImageFolderProblemKind
{
    /// <summary>Not an image by its extension (<c>Thumbs.db</c>, <c>.DS_Store</c>, notes...).</summary>
    NotAnImage,
    /// <summary>Zero bytes.</summary>
    Empty,
    /// <summary>Has an image extension but is truncated, corrupt or of another format.</summary>
    Corrupt,
    /// <summary>Byte-identical to a file already kept.</summary>
    Duplicate,
    /// <summary>Byte-identical copies carry different labels, so none of them can be trusted.</summary>
    ConflictingLabels,
}

/// <summary>One file left out of a dataset, and why.</summary>
public sealed record ImageFolderProblem(string Path, ImageFolderProblemKind Kind, string Detail);
