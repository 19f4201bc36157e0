namespace Malaria.Training.Data;

/// <summary>Which side of a patient-level split an image is on.</summary>
public enum SplitPart
{
    /// <summary>Used to fit model weights.</summary>
    Train,
    /// <summary>Used to choose between models, epochs and hyper-parameters.</summary>
    Validation,
    /// <summary>Touched only for the final, honest measurement.</summary>
    Test,
}
