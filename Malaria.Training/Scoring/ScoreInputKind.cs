namespace Malaria.Training.Scoring;

/// <summary>What an input of <c>score</c> is, told from the path: a folder, a CSV with a path column, or a list of paths.</summary>
public enum ScoreInputKind
{
    /// <summary>A folder tree: every PNG, JPEG and BMP below it.</summary>
    Folder,

    /// <summary>A text file with one image path per line (relative to the file's folder, or absolute).</summary>
    FileList,

    /// <summary>A CSV with a header and a <c>path</c> (or <c>relpath</c>) column, such as a split or the data set's manifest.</summary>
    Manifest,
}
