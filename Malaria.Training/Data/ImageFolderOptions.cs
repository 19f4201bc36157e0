namespace Malaria.Training.Data;

/// <summary>How <see cref="ImageFolderDataset"/> reads a labeled folder tree.</summary>
public sealed class ImageFolderOptions
{
    /// <summary>Regex over file names that yields the patient group; null means the NIH case number (<see cref="PatientGroups.NihPattern"/>).</summary>
    public string? GroupPattern { get; set; }

    /// <summary>Reports files checked so far and the total; called from worker threads.</summary>
    public IProgress<(int Done, int Total)>? Progress { get; set; }
}
