using HubManager.Http;
using HubManager.Updates;

namespace HubManager.Tests.Updates;

public class ReleaseVersionTests
{
    [Test]
    [Arguments("2.0.11")]
    [Arguments("0.0.0")]
    [Arguments("10.20.30")]
    [Arguments("1.0.0-alpha")]
    [Arguments("1.0.0-alpha.1")]
    [Arguments("1.0.0-0.3.7")]
    [Arguments("1.0.0-x.7.z.92")]
    [Arguments("1.0.0+20130313144700")]
    [Arguments("1.0.0-beta+exp.sha.5114f85")]
    [Arguments("1.0.0-rc.1+build.1")]
    public async Task Semantic_versions_are_accepted(string version)
    {
        await Assert.That(ReleaseVersion.IsValid(version)).IsTrue();
    }

    [Test]
    [Arguments("../x")]
    [Arguments("1; rm -rf /")]
    [Arguments("2.0.11\n")]
    [Arguments("2.0.11/../../etc")]
    [Arguments("2.0")]
    [Arguments("2")]
    [Arguments("v2.0.11")]
    [Arguments("02.0.11")]
    [Arguments("2.0.11-")]
    [Arguments("2.0.11+")]
    [Arguments("2.0.11-01")]
    [Arguments("2.0.11 ")]
    [Arguments("")]
    [Arguments("２.0.11")]
    [Arguments("2.0.11-$(id)")]
    public async Task Anything_else_is_refused(string version)
    {
        await Assert.That(ReleaseVersion.IsValid(version)).IsFalse();
    }

    [Test]
    public async Task At_most_64_characters()
    {
        var longest = "1.0.0-" + new string('a', 58);
        await Assert.That(ReleaseVersion.IsValid(longest)).IsTrue();
        await Assert.That(ReleaseVersion.IsValid(longest + "a")).IsFalse();
        await Assert.That(ReleaseVersion.Problem(longest + "a")).Contains("64");
    }

    [Test]
    public async Task The_request_body_parser_takes_version_and_force_and_quotes_non_strings()
    {
        await Assert.That(UpdateEndpoints.ParseRequest("""{"version":"2.0.11","force":true,"note":{"x":[1]}}"""u8)).IsEqualTo(("2.0.11", true));
        await Assert.That(UpdateEndpoints.ParseRequest("""{"version":2}"""u8).Version).IsEqualTo("2");
        await Assert.That(UpdateEndpoints.ParseRequest("""{}"""u8).Version).IsNull();
        await Assert.That(() => UpdateEndpoints.ParseRequest("""["2.0.11"]"""u8)).Throws<System.Text.Json.JsonException>();
        await Assert.That(() => UpdateEndpoints.ParseRequest("""{"version":"2.0.11"} x"""u8)).Throws<System.Text.Json.JsonException>();
    }
}
