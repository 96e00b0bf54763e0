using System.Text.Json;

namespace HubManager.Updates;

/// <summary>The <c>exp</c> claim of a JWT, read without verifying it (the NAS verifies its own tokens).</summary>
public static class Jwt
{
    public static DateTimeOffset? Expiry(string jwt)
    {
        var parts = jwt.Split('.');
        if (parts.Length != 3)
            return null;
        try
        {
            var payload = parts[1].Replace('-', '+').Replace('_', '/');
            payload = payload.PadRight(payload.Length + (4 - payload.Length % 4) % 4, '=');
            var reader = new Utf8JsonReader(Convert.FromBase64String(payload));
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                return null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isExp = reader.ValueTextEquals("exp"u8);
                reader.Read();
                if (isExp && reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var seconds))
                    return DateTimeOffset.FromUnixTimeSeconds(seconds);
                reader.Skip();
            }
        }
        catch (Exception invalid) when (invalid is FormatException or JsonException or ArgumentOutOfRangeException)
        {
        }
        return null;
    }
}
