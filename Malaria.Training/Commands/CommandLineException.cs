namespace Malaria.Training.Commands;

/// <summary>
/// An error the user can fix (a missing folder, a bad option, a corrupt archive). The CLI prints its message as one
/// line and exits non-zero; any other exception is a bug and is printed with its type.
/// </summary>
public class CommandLineException(string message, Exception? inner = null) : Exception(message, inner);
