namespace Malaria.Training.Tests.Scoring;

/// <summary>Small image trees for the score tests: generated BMP cells in slide folders, and bad files beside them.</summary>
internal static class ScoreImages
{
    /// <summary>
    /// <paramref name="perSlide"/> generated cells in each of slides slide-a, slide-b and slide-c (red and blue
    /// alternating), a text file named like an image and a truncated BMP in slide-b; returns the keys of the two bad files.
    /// </summary>
    public static (string NotAnImage, string Truncated) WriteTree(TempFolder folder, string root, int perSlide)
    {
        foreach (var slide in new[] { "slide-a", "slide-b", "slide-c" })
            for (var i = 0; i < perSlide; i++)
                folder.Write(Path.Combine(root, slide, $"cell_{i:D3}.bmp"),
                    TestImages.Bmp(i % 2 == 0 ? TestImages.Tint.Red : TestImages.Tint.Blue, 24 + i % 5, 20 + i % 3, seed: i + slide.Length));
        folder.Write(Path.Combine(root, "slide-b", "notes.png"), "not an image\n"u8.ToArray());
        var cell = TestImages.Bmp(TestImages.Tint.Red, 24, 20, seed: 7);
        folder.Write(Path.Combine(root, "slide-b", "cut.bmp"), cell[..(cell.Length / 2)]);
        folder.Write(Path.Combine(root, "slide-a", "readme.txt"), "not scored: no image extension\n"u8.ToArray());
        return ("slide-b/notes.png", "slide-b/cut.bmp");
    }
}
