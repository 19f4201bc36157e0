using System.Text.RegularExpressions;
using Malaria.TestSupport;
using Malaria.Web.Tests.Api;
using Malaria.Web.Tests.Support;
using Microsoft.Playwright;

namespace Malaria.Web.Tests.Browser;

/// <summary>
/// What a person sees: the page on a real Kestrel server on 127.0.0.1, driven by Playwright in headless Chromium
/// (Debian's, at /usr/bin/chromium or PLAYWRIGHT_CHROMIUM). Screenshots go to artifacts/web-screenshots/.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class PageTests
{
    private ModelFiles _files = null!;
    private MalariaWebFactory _app = null!;
    private string _url = null!;
    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;
    private IBrowserContext _context = null!;
    private IPage _page = null!;
    private string _screenshots = null!;

    [OneTimeSetUp]
    public async Task Start()
    {
        var chromium = Environment.GetEnvironmentVariable("PLAYWRIGHT_CHROMIUM") ?? "/usr/bin/chromium";
        if (!File.Exists(chromium)) Assert.Ignore($"Needs Chromium at '{chromium}' (apt-get install chromium, or set PLAYWRIGHT_CHROMIUM); not present here.");
        _ = SharedData.CellImages;  // Ignored without the real cells

        _files = new ModelFiles();
        var second = _files.Copy("cnn-retrained");
        ModelFiles.WriteVariant(second, "second model for the page tests");
        _app = new MalariaWebFactory(new Dictionary<string, string?> { ["Malaria:Models:cnn-retrained:Path"] = second });
        _url = _app.StartKestrel();
        Assert.That(_url, Does.StartWith("http://127.0.0.1:"));

        _playwright = await Playwright.CreateAsync();
        Assertions.SetDefaultExpectTimeout(20_000);  // a shared CI machine may be busy with other test assemblies
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
        });
        _screenshots = Path.Combine(Repository.Root, "artifacts", "web-screenshots");
        Directory.CreateDirectory(_screenshots);
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        if (_browser is not null) await _browser.CloseAsync();
        _playwright?.Dispose();
        _app?.Dispose();
        _files?.Dispose();
    }

    [SetUp]
    public async Task OpenPage()
    {
        _context = await _browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = _url,
            ViewportSize = new ViewportSize { Width = 1280, Height = 900 },
            AcceptDownloads = true,
        });
        _page = await _context.NewPageAsync();
        await _page.GotoAsync("/");
        await Assertions.Expect(_page.GetByLabel("Model")).ToHaveValueAsync("default");
    }

    [TearDown]
    public async Task ClosePage() => await _context.CloseAsync();

    [Test]
    public async Task The_page_shows_the_notice_the_model_picker_and_the_drop_zone()
    {
        await Assertions.Expect(_page.GetByRole(AriaRole.Heading, new() { Name = "Malaria cell classifier" })).ToBeVisibleAsync();
        await Assertions.Expect(_page.GetByRole(AriaRole.Note)).ToContainTextAsync("Not for diagnosis");
        await Assertions.Expect(_page.GetByTestId("dropzone")).ToBeVisibleAsync();
        var options = await _page.GetByLabel("Model").Locator("option").AllTextContentsAsync();
        Assert.That(options, Has.Count.EqualTo(2));
        // The built-in model's own card gives the figure the picker shows.
        using var builtIn = Malaria.Inference.MalariaClassifier.LoadDefault();
        var accuracy = (builtIn.Model.Card.Metrics!["accuracy"] * 100).ToString("F1", System.Globalization.CultureInfo.InvariantCulture);
        Assert.That(options[0], Does.StartWith("default · ").And.Contain($"{accuracy}% test accuracy"));
        Assert.That(options[1], Does.StartWith("cnn-retrained · "));
        await Shot("01-empty");
    }

    [Test]
    public async Task A_parasitized_and_an_uninfected_cell_get_their_labels_and_overlays()
    {
        await _page.GetByLabel("Choose images").SetInputFilesAsync([SharedData.Parasitized, SharedData.Uninfected]);
        var cards = _page.GetByTestId("result-card");
        await Assertions.Expect(cards).ToHaveCountAsync(2);
        await Assertions.Expect(cards.Nth(0).GetByTestId("label")).ToHaveTextAsync("Parasitized");
        await Assertions.Expect(cards.Nth(1).GetByTestId("label")).ToHaveTextAsync("Uninfected");
        await Assertions.Expect(cards.Nth(0).GetByTestId("confidence")).ToHaveTextAsync(new Regex(@"^\d{2,3}\.\d%$"));
        await Assertions.Expect(_page.GetByTestId("summary")).ToContainTextAsync("1 of 2 cells parasitized");
        foreach (var i in new[] { 0, 1 })
        {
            var overlay = cards.Nth(i).GetByTestId("overlay");
            await Assertions.Expect(overlay).ToHaveAttributeAsync("src", new Regex("^blob:"));
            await _page.WaitForFunctionAsync("img => img.complete && img.naturalWidth > 0", await overlay.ElementHandleAsync());
        }
        var width = await cards.Nth(0).GetByTestId("overlay").EvaluateAsync<int>("img => img.naturalWidth");
        Assert.That(width, Is.GreaterThan(50), "the overlay has the cell's size");
        await Shot("02-two-cells");
    }

    [Test]
    public async Task A_cell_dropped_on_the_drop_zone_is_scored()
    {
        var bytes = Convert.ToBase64String(await File.ReadAllBytesAsync(SharedData.Uninfected));
        var transfer = await _page.EvaluateHandleAsync(@"([name, base64]) => {
            const data = Uint8Array.from(atob(base64), c => c.charCodeAt(0));
            const transfer = new DataTransfer();
            transfer.items.add(new File([data], name, { type: 'image/png' }));
            return transfer;
        }", new[] { Path.GetFileName(SharedData.Uninfected), bytes });
        await _page.GetByTestId("dropzone").DispatchEventAsync("drop", new { dataTransfer = transfer });
        var card = _page.GetByTestId("result-card");
        await Assertions.Expect(card).ToHaveCountAsync(1);
        await Assertions.Expect(card.GetByTestId("label")).ToHaveTextAsync("Uninfected");
        await Assertions.Expect(card).ToHaveAttributeAsync("aria-label", Path.GetFileName(SharedData.Uninfected));
        await Assertions.Expect(card.GetByTestId("file-name")).ToHaveAttributeAsync("title", Path.GetFileName(SharedData.Uninfected));
    }

    [Test]
    public async Task A_text_file_gets_its_own_error_and_the_cell_beside_it_is_scored()
    {
        var text = Path.Combine(_files.Folder, "notes.txt");
        await File.WriteAllBytesAsync(text, TestFiles.Text());
        await _page.GetByLabel("Choose images").SetInputFilesAsync([SharedData.Parasitized, text]);
        var bad = _page.GetByRole(AriaRole.Listitem, new() { Name = "notes.txt" });
        await Assertions.Expect(bad.GetByTestId("error")).ToBeVisibleAsync();
        await Assertions.Expect(bad.GetByTestId("error")).ToContainTextAsync("Not an image (400)");
        await Assertions.Expect(bad.GetByTestId("error")).ToContainTextAsync("match no PNG, JPEG or BMP signature");
        await Assertions.Expect(_page.GetByTestId("result-card").Nth(0).GetByTestId("label")).ToHaveTextAsync("Parasitized");
        await Assertions.Expect(_page.GetByTestId("summary")).ToContainTextAsync("1 file not scored");

        // Alone, the text file is answered with its problem by the API; the page shows it the same way.
        await _page.GetByLabel("Choose images").SetInputFilesAsync([text]);
        await Assertions.Expect(_page.GetByTestId("result-card")).ToHaveCountAsync(1);
        await Assertions.Expect(_page.GetByTestId("error")).ToContainTextAsync("Not an image (400)");
        await _page.GetByLabel("Choose images").SetInputFilesAsync([SharedData.Parasitized, text]);
        await Assertions.Expect(_page.GetByTestId("result-card").Nth(1).GetByTestId("error")).ToBeVisibleAsync();
        await _page.GetByTestId("result-card").Nth(0).GetByTestId("overlay").Locator("xpath=self::img[starts-with(@src,'blob:')]").WaitForAsync();
        await Shot("03-text-file-error");
    }

    [Test]
    public async Task An_unmasked_crop_shows_a_warning_beside_its_result()
    {
        var plasma = Path.Combine(_files.Folder, "bounding-box-crop.png");
        await File.WriteAllBytesAsync(plasma, TestFiles.OnPlasma(SharedData.Parasitized));
        await _page.GetByLabel("Choose images").SetInputFilesAsync([SharedData.Parasitized, plasma]);
        var masked = _page.GetByRole(AriaRole.Listitem, new() { Name = Path.GetFileName(SharedData.Parasitized) });
        var unmasked = _page.GetByRole(AriaRole.Listitem, new() { Name = "bounding-box-crop.png" });
        await Assertions.Expect(unmasked.GetByTestId("domain-warning")).ToBeVisibleAsync();
        await Assertions.Expect(unmasked.GetByTestId("domain-warning")).ToContainTextAsync("Not a masked single-cell crop");
        await Assertions.Expect(masked.GetByTestId("label")).ToHaveTextAsync("Parasitized");
        await Assertions.Expect(masked.GetByTestId("domain-warning")).ToBeHiddenAsync();
        await unmasked.GetByTestId("overlay").Locator("xpath=self::img[starts-with(@src,'blob:')]").WaitForAsync();
        await Shot("07-unmasked-crop-warning");
    }

    [Test]
    public async Task Choosing_the_screening_point_decides_the_cells_again_at_its_threshold()
    {
        // The built-in model's own screening threshold, as its card gives it for the views the page scores.
        using var builtIn = Malaria.Inference.MalariaClassifier.LoadDefault();
        var screening = builtIn.Model.OperatingPoints.Single(p => p.Name == "screening").Threshold;
        await _page.GetByLabel("Choose images").SetInputFilesAsync([SharedData.Parasitized, SharedData.Uninfected]);
        var cards = _page.GetByTestId("result-card");
        await Assertions.Expect(cards.Nth(0).GetByTestId("operating-point")).ToHaveTextAsync("decided at balanced (≥ 0.500)");
        await Assertions.Expect(_page.GetByTestId("point-info")).ToContainTextAsync("held-out sensitivity");

        await _page.GetByLabel("Decision").SelectOptionAsync("screening");
        var expected = $"decided at screening (≥ {screening.ToString("F3", System.Globalization.CultureInfo.InvariantCulture)})";
        foreach (var i in new[] { 0, 1 })
            await Assertions.Expect(cards.Nth(i).GetByTestId("operating-point")).ToHaveTextAsync(expected);
        await Assertions.Expect(cards.Nth(0).GetByTestId("label")).ToHaveTextAsync("Parasitized");
        await Shot("08-screening-point");
    }

    [Test]
    public async Task Choosing_eight_views_scores_the_cells_again_as_the_mean_of_their_views()
    {
        using var library = Malaria.Inference.MalariaClassifier.LoadDefault();
        var eight = library.Classify(SharedData.Parasitized, Malaria.Inference.ScoringViews.Dihedral).ScoreOf("Parasitized");
        await _page.GetByLabel("Choose images").SetInputFilesAsync([SharedData.Parasitized]);
        var card = _page.GetByTestId("result-card");
        await Assertions.Expect(card.GetByTestId("operating-point")).ToHaveTextAsync("decided at balanced (≥ 0.500)");
        await Assertions.Expect(_page.GetByTestId("views-info")).ToContainTextAsync("scored once");

        await _page.GetByLabel("Views").SelectOptionAsync("8");
        await Assertions.Expect(card.GetByTestId("operating-point")).ToContainTextAsync("· 8 views");
        await Assertions.Expect(card.GetByTestId("p-parasitized")).ToHaveTextAsync(eight.ToString("F3", System.Globalization.CultureInfo.InvariantCulture));
        await Assertions.Expect(_page.GetByTestId("views-info")).ToContainTextAsync("8 times the work");
        await Assertions.Expect(card.GetByTestId("overlay")).ToHaveAttributeAsync("src", new Regex("^blob:"));
        await Shot("09-eight-views");
    }

    [Test]
    public async Task Switching_the_model_scores_the_cells_again_with_it()
    {
        await _page.GetByLabel("Choose images").SetInputFilesAsync([SharedData.Parasitized]);
        var card = _page.GetByTestId("result-card");
        await Assertions.Expect(card.GetByTestId("model-line")).ToContainTextAsync("default · ");
        await Assertions.Expect(card.GetByTestId("operating-point")).ToHaveTextAsync("decided at balanced (≥ 0.500)");
        await _page.GetByLabel("Model").SelectOptionAsync("cnn-retrained");
        await Assertions.Expect(card.GetByTestId("model-line")).ToContainTextAsync("cnn-retrained · ");
        await Assertions.Expect(card.GetByTestId("label")).ToHaveTextAsync("Parasitized");
        await Assertions.Expect(_page.GetByTestId("model-info")).ToContainTextAsync("version");
        await Assertions.Expect(card.GetByTestId("overlay")).ToHaveAttributeAsync("src", new Regex("^blob:"));
        await Shot("04-switched-model");
    }

    [Test]
    public async Task Ten_cells_give_a_summary_and_a_csv_of_their_rows()
    {
        var cells = SharedData.Cells("Parasitized", 4).Concat(SharedData.Cells("Uninfected", 6)).ToArray();
        await _page.GetByLabel("Choose images").SetInputFilesAsync(cells);
        await Assertions.Expect(_page.GetByTestId("result-card")).ToHaveCountAsync(10);
        await Assertions.Expect(_page.GetByTestId("summary-total")).ToHaveTextAsync("10");
        var infected = int.Parse(await _page.GetByTestId("summary-infected").TextContentAsync() ?? "-1");
        Assert.That(infected, Is.InRange(3, 5), "4 parasitized cells among 10, give or take one error of a 96% model");
        await Assertions.Expect(_page.GetByTestId("overlay").Locator("xpath=self::img[starts-with(@src,'blob:')]")).ToHaveCountAsync(10, new() { Timeout = 30_000 });

        var download = await _page.RunAndWaitForDownloadAsync(() => _page.GetByRole(AriaRole.Button, new() { Name = "Download CSV" }).ClickAsync());
        Assert.That(download.SuggestedFilename, Is.EqualTo("malaria-results.csv"));
        var csv = Path.Combine(_screenshots, "ten-cells.csv");
        await download.SaveAsAsync(csv);
        var lines = (await File.ReadAllLinesAsync(csv)).Where(l => l.Length > 0).ToArray();
        Assert.Multiple(() =>
        {
            Assert.That(lines[0], Is.EqualTo("file,label,confidence,p_parasitized,model,model_version,operating_point,threshold,views,warnings,error"));
            Assert.That(lines, Has.Length.EqualTo(11));
            Assert.That(lines.Skip(1).Select(l => l.Split(',')[0]), Is.EqualTo(cells.Select(Path.GetFileName)));
            Assert.That(lines.Skip(1).Count(l => l.Split(',')[1] == "Parasitized"), Is.EqualTo(infected));
            Assert.That(lines.Skip(1).All(l => l.Split(',')[4] == "default"), Is.True);
            Assert.That(lines.Skip(1).All(l => l.Split(',')[6] == "balanced" && l.Split(',')[7] == "0.5000"), Is.True, "the point that decided each row");
        });
        await Shot("05-ten-cells", fullPage: true);

        // The same results on a phone-sized screen: one column, nothing cut off.
        await _page.SetViewportSizeAsync(400, 860);
        await Shot("06-ten-cells-narrow");
    }

    private Task Shot(string name, bool fullPage = false) =>
        _page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(_screenshots, name + ".png"), FullPage = fullPage, Animations = ScreenshotAnimations.Disabled });
}
