using System.Globalization;

namespace HubManager.Journal;

/// <summary>
/// Parses <c>since</c>/<c>until</c>: an ISO-8601 date or time (local time unless it carries Z or an offset),
/// <c>now</c>, <c>today</c>, <c>yesterday</c>, or a relative time such as <c>-5min</c>, <c>-2h</c>, <c>+30s</c>
/// (units s, min, h, d, w and their journalctl spellings). Results lie between 1970 and 9999.
/// </summary>
public static class JournalTime
{
    static readonly string[] Local =
    [
        "yyyy-MM-dd", "yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF",
        "yyyy-MM-dd HH:mm", "yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd HH:mm:ss.FFFFFFF",
    ];

    static readonly string[] WithOffset =
    [
        "yyyy-MM-dd'T'HH:mmK", "yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK",
        "yyyy-MM-dd HH:mmK", "yyyy-MM-dd HH:mm:ssK", "yyyy-MM-dd HH:mm:ss.FFFFFFFK",
    ];

    static readonly (string[] Names, long Seconds)[] Units =
    [
        (["", "s", "sec", "secs", "second", "seconds"], 1),
        (["m", "min", "mins", "minute", "minutes"], 60),
        (["h", "hr", "hour", "hours"], 3600),
        (["d", "day", "days"], 86400),
        (["w", "week", "weeks"], 604800),
    ];

    const long MaxRelativeSeconds = 100L * 366 * 86400;

    /// <summary>Returns µs since the epoch, or throws <see cref="QueryException"/> naming <paramref name="parameter"/>.</summary>
    public static ulong Parse(string parameter, string value, DateTimeOffset now, TimeZoneInfo zone)
    {
        var utc = value.Length <= JournalQuery.MaxTimeLength ? TryParse(value, now, zone) : null;
        if (utc is not { } time || time < DateTime.UnixEpoch)
            throw new QueryException(parameter,
                $"{parameter} must be an ISO-8601 time such as 2025-01-31T08:00:00Z, now, today, yesterday, or a relative time such as -5min or -2h " +
                $"(units s (the default), min, h, d, w; within 100 years; at most {JournalQuery.MaxTimeLength} characters), after 1970; '{JournalQuery.Shorten(value)}' is not.");
        return (ulong)(time - DateTime.UnixEpoch).Ticks / 10;
    }

    static DateTime? TryParse(string value, DateTimeOffset now, TimeZoneInfo zone)
    {
        switch (value)
        {
            case "now":
                return now.UtcDateTime;
            case "today" or "yesterday":
                var midnight = TimeZoneInfo.ConvertTimeFromUtc(now.UtcDateTime, zone).Date;
                return ToUtc(value == "today" ? midnight : midnight.AddDays(-1), zone);
            case ['+' or '-', ..]:
                return ParseRelative(value, now);
        }
        if (DateTime.TryParseExact(value, Local, CultureInfo.InvariantCulture, DateTimeStyles.None, out var local))
            return ToUtc(local, zone);
        if (DateTimeOffset.TryParseExact(value, WithOffset, CultureInfo.InvariantCulture, DateTimeStyles.None, out var exact))
            return exact.UtcDateTime;
        return null;
    }

    static DateTime? ParseRelative(string value, DateTimeOffset now)
    {
        var digits = 1;
        while (digits < value.Length && char.IsAsciiDigit(value[digits]))
            digits++;
        if (digits is 1 or > 10 || !long.TryParse(value.AsSpan(1, digits - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var count))
            return null;
        var unit = value.AsSpan(digits).Trim(' ');
        foreach (var (names, seconds) in Units)
        {
            if (Array.IndexOf(names, unit.ToString()) < 0)
                continue;
            var delta = count * seconds; // at most 10 digits × a week: fits in a long
            if (delta > MaxRelativeSeconds)
                return null;
            return now.UtcDateTime.AddSeconds(value[0] == '-' ? -delta : delta);
        }
        return null;
    }

    /// <summary>A wall-clock time in <paramref name="zone"/>; one skipped by a DST change does not exist and is refused.</summary>
    static DateTime? ToUtc(DateTime wallClock, TimeZoneInfo zone) =>
        zone.IsInvalidTime(wallClock) ? null : TimeZoneInfo.ConvertTimeToUtc(DateTime.SpecifyKind(wallClock, DateTimeKind.Unspecified), zone);
}
