namespace Malaria.Inference.Models;

/// <summary>Where a served model's bytes come from: a model file with its card beside it, or the built-in model.</summary>
internal abstract class ModelSource
{
    /// <summary>The full path of the model file, or the built-in model's name; used in messages.</summary>
    public abstract string Description { get; }

    /// <summary>The model file to watch for changes; null when the source cannot change.</summary>
    public abstract string? FilePath { get; }

    /// <summary>Reads the model and its card.</summary>
    /// <exception cref="ModelLoadException">Either is missing or unreadable.</exception>
    public abstract ModelFiles Read();

    /// <summary>A model file (<c>.zip</c> or <c>.onnx</c>) and the <c>model.json</c> beside it.</summary>
    public static ModelSource FromFile(string path) => new FileSource(Path.GetFullPath(path));

    /// <summary>The model embedded in this assembly.</summary>
    public static ModelSource BuiltIn { get; } = new BuiltInSource();

    private sealed class FileSource : ModelSource
    {
        private readonly ModelFormat _format;

        public FileSource(string path)
        {
            Description = path;
            _format = Path.GetExtension(path).ToLowerInvariant() switch
            {
                ".zip" => ModelFormat.MlNetZip,
                ".onnx" => ModelFormat.Onnx,
                var other => throw new ModelLoadException(path, $"unknown model extension '{other}'; expected .zip (ML.NET) or .onnx."),
            };
        }

        public override string Description { get; }

        public override string? FilePath => Description;

        public override ModelFiles Read()
        {
            var cardPath = ModelCard.PathBeside(Description);
            var model = ReadFile(Description, "the file");
            var card = ReadFile(cardPath, $"its model card '{cardPath}'");
            if (model.Length == 0) throw new ModelLoadException(Description, "the file is empty.");
            return new ModelFiles(Description, _format, model, card, cardPath);
        }

        private byte[] ReadFile(string path, string what)
        {
            // Never opened unless a regular file: a FIFO would block the reader, a device would never end.
            switch (IO.FileKinds.Of(path))
            {
                case IO.FileKind.Missing:
                    throw new ModelLoadException(Description, $"{what} {(path == Description ? "does not exist" : "is missing")}.",
                        new FileNotFoundException($"File '{path}' does not exist.", path));
                case IO.FileKind.Directory:
                    throw new ModelLoadException(Description, $"{what} is a directory, not a file.");
                case IO.FileKind.RegularFile or IO.FileKind.Unknown:
                    return File.ReadAllBytes(path);
                case var kind:
                    throw new ModelLoadException(Description, $"{what} is not a regular file ({kind}).");
            }
        }
    }

    private sealed class BuiltInSource : ModelSource
    {
        public override string Description => BuiltInModel.Name;

        public override string? FilePath => null;

        public override ModelFiles Read() => BuiltInModel.Read();
    }
}
