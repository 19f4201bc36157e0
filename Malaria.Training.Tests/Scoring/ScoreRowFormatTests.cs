using Malaria.Training.Scoring;

namespace Malaria.Training.Tests.Scoring;

/// <summary>Both output formats write every row the same way everywhere and read it back unchanged.</summary>
public class ScoreRowFormatTests
{
    private static readonly ScoreRow[] Rows =
    [
        new("slide 1/cell,1 \"a\".png", "C47", "Parasitized", 0.97070944f, "8d63", null),
        new("slide 1/é.png", "C47", "Uninfected", 1.2e-5f, "8d63", null),
        new("/abs/bad.png", "/abs", null, null, "8d63", "NotAnImage: the first bytes (68656C6C6F0A) match no PNG, JPEG or BMP signature."),
    ];

    [Test]
    public void CsvQuotesOnlyWhatNeedsItAndReadsBack()
    {
        var lines = Rows.Select(CsvScoreRowFormat.Instance.Line).ToList();

        Assert.That(lines[0], Is.EqualTo("\"slide 1/cell,1 \"\"a\"\".png\",C47,Parasitized,0.97070944,8d63,"));
        Assert.That(lines[1], Is.EqualTo("slide 1/é.png,C47,Uninfected,1.2E-05,8d63,"));
        Assert.That(lines[2], Is.EqualTo("/abs/bad.png,/abs,,,8d63,\"NotAnImage: the first bytes (68656C6C6F0A) match no PNG, JPEG or BMP signature.\""));
        Assert.That(lines.Select(CsvScoreRowFormat.Instance.Parse), Is.EqualTo(Rows));
    }

    [Test]
    public void JsonLinesWriteOneObjectALineWithNullsAndReadBack()
    {
        var lines = Rows.Select(JsonLinesScoreRowFormat.Instance.Line).ToList();

        Assert.That(lines[1], Is.EqualTo("{\"path\":\"slide 1/é.png\",\"group\":\"C47\",\"label\":\"Uninfected\",\"probability\":1.2E-05,\"model_version\":\"8d63\",\"error\":null}"));
        Assert.That(lines[2], Does.Contain("\"label\":null,\"probability\":null"));
        Assert.That(lines, Has.None.Contains("\n"));
        Assert.That(lines.Select(JsonLinesScoreRowFormat.Instance.Parse), Is.EqualTo(Rows));
        Assert.Throws<InvalidDataException>(() => JsonLinesScoreRowFormat.Instance.Parse("{\"path\":1}"));
    }
}
