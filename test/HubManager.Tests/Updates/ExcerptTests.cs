using HubManager.Updates;

namespace HubManager.Tests.Updates;

/// <summary>How messages quote text from outside: short, one line, showing what was there.</summary>
public class ExcerptTests
{
    [Test]
    public async Task Short_plain_text_is_quoted_as_it_is()
    {
        await Assert.That(Excerpt.Of("dist/index.js")).IsEqualTo("dist/index.js");
        await Assert.That(Excerpt.Of("")).IsEqualTo("");
        await Assert.That(Excerpt.Of("grüße/😀.txt")).IsEqualTo("grüße/😀.txt");
    }

    [Test]
    public async Task Control_and_invisible_characters_and_backslashes_are_escaped()
    {
        await Assert.That(Excerpt.Of("a\nb\tc\0d\r\u001b[31m\\")).IsEqualTo(@"a\nb\tc\0d\u000d\u001b[31m\\");
        await Assert.That(Excerpt.Of("x\u202ey\u2028z\u200b\u0085")).IsEqualTo(@"x\u202ey\u2028z\u200b\u0085");
        await Assert.That(Excerpt.Of("lone \ud800 surrogate")).IsEqualTo(@"lone \ud800 surrogate");
    }

    [Test]
    public async Task Long_text_is_cut_at_about_100_characters_and_says_how_long_it_was()
    {
        var quoted = Excerpt.Of(new string('a', 64 << 20));

        await Assert.That(quoted).IsEqualTo(new string('a', 100) + "…(67108864 bytes)");
        await Assert.That(Excerpt.Of(new string('\n', 500))).IsEqualTo(string.Concat(Enumerable.Repeat(@"\n", 50)) + "…(500 bytes)");
    }
}
