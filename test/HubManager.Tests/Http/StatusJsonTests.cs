using System.Text;
using System.Text.Json;
using HubManager.Http;

namespace HubManager.Tests.Http;

/// <summary>
/// <c>GET /status</c> is written by hand for speed (<see cref="StatusJson"/>); it must stay byte for byte what the
/// source-generated serializer writes for <see cref="StatusResponse"/>: names, order, nulls, escaping, dates.
/// </summary>
public class StatusJsonTests
{
    public static IEnumerable<Func<StatusResponse>> Responses()
    {
        yield return () => new StatusResponse(true, "0.1.0+abc1234", "ai-hub.service", "active", "running", 4242,
            new DateTimeOffset(2026, 11, 28, 1, 43, 16, TimeSpan.Zero).AddTicks(7409920), 3, "2.0.10");
        yield return () => new StatusResponse(false, "0.1.0", "ai-hub.service", "inactive", "dead", 0, null, 0, null);
        yield return () => new StatusResponse(false, "0.1.0", "no-such-hub.service", null, null, 0, null, 0, null)
            { Error = "Unit no-such-hub.service not found." };
        yield return () => new StatusResponse(true, "1.2.3-rc.1+build.5", "hub@a\\b.service", "active", "running", uint.MaxValue,
            new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), uint.MaxValue, "2.0.11 \"quoted\" <é> \u0001");
    }

    [Test]
    [MethodDataSource(nameof(Responses))]
    public async Task Hand_written_status_json_matches_the_serializer(StatusResponse response)
    {
        var expected = JsonSerializer.Serialize(response, ApiJson.Api.StatusResponse);

        var written = Encoding.UTF8.GetString(StatusJson.Serialize(response));

        await Assert.That(written).IsEqualTo(expected);
    }
}
