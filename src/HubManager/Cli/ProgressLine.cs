using HubManager.Updates;

namespace HubManager.Cli;

/// <summary>
/// Shows an update's events as they come. On a terminal: one line rewritten in place (<c>\r</c>) with the phase and,
/// while downloading, the bytes of the total, the percentage, the rate and the time left; the outcome replaces it.
/// Otherwise (a pipe, a log file): one plain line per phase, then the outcome, with no control characters.
/// </summary>
public sealed class ProgressLine(TextWriter output, bool terminal)
{
    UpdatePhase shown = UpdatePhase.None;
    /// <summary>When the rate was first measured from, and the bytes then.</summary>
    long rateFromTicks = -1, rateFromBytes;

    public void Show(UpdateStatus status)
    {
        if (status.State != UpdateState.Running)
            return;
        if (terminal)
        {
            output.Write("\r" + Line(status) + "\x1b[K");
            output.Flush();
        }
        else if (status.Phase != shown)
            output.WriteLine(Line(status));
        shown = status.Phase;
    }

    /// <summary>The last word: replaces the progress line on a terminal.</summary>
    public void End(string outcome)
    {
        if (terminal)
            output.Write("\r\x1b[K");
        output.WriteLine(outcome);
    }

    string Line(UpdateStatus status)
    {
        var line = "Updating hub to " + status.Version + ": " + UpdateProgress.Describe(status.Phase);
        if (!terminal || status.Phase != UpdatePhase.Download || status.BytesDownloaded == 0 && status.BytesTotal is null)
            return line;
        var (bytes, total) = (status.BytesDownloaded, status.BytesTotal);
        line += " " + Mebibytes(bytes) + (total is > 0 ? " of " + Mebibytes(total.Value) + " MiB (" + bytes * 100 / total.Value + "%)" : " MiB");
        var now = Environment.TickCount64;
        if (rateFromTicks < 0)
            (rateFromTicks, rateFromBytes) = (now, bytes);
        var seconds = (now - rateFromTicks) / 1000.0;
        if (seconds < 0.5 || bytes <= rateFromBytes)
            return line;
        var rate = (bytes - rateFromBytes) / seconds;
        line += ", " + Mebibytes((long)rate) + " MiB/s";
        if (total is > 0)
            line += ", " + (long)Math.Ceiling((total.Value - bytes) / rate) + " s left";
        return line;
    }

    // The binary runs with the invariant culture (InvariantGlobalization): a dot, whatever LANG says.
    static string Mebibytes(long bytes) => (bytes / 1048576.0).ToString("0.0");
}
