namespace Malaria.Training.Commands;

/// <summary>
/// A command line the user can fix (a bad option value, options that do not go together), found by a command while
/// parsing. Only the command layer throws it; the stages below throw ordinary exceptions, which
/// <see cref="CommandLineApp"/> prints as one line too (see <c>IsUserError</c>).
/// </summary>
public class CommandLineException(string message, Exception? inner = null) : Exception(message, inner);
