using System.Threading.Channels;

namespace HubManager.Systemd;

/// <summary>
/// Captures every <c>JobRemoved</c> signal from the moment it is created, so that a job's end is
/// seen even when systemd finishes the job before the <c>StartUnit</c> reply reaches us.
/// Dispose it when the job has been waited for.
/// </summary>
public sealed class JobWatch : IDisposable
{
    readonly Channel<JobRemoved> removed = Channel.CreateUnbounded<JobRemoved>(new() { SingleReader = true });
    readonly Action<JobWatch> onDispose;

    internal JobWatch(Action<JobWatch> onDispose) => this.onDispose = onDispose;

    internal void Post(JobRemoved signal) => removed.Writer.TryWrite(signal);

    internal void Fail(Exception reason) => removed.Writer.TryComplete(reason);

    /// <summary>Waits for the <c>JobRemoved</c> signal of <paramref name="job"/>; other jobs' signals are passed over.</summary>
    public async Task<JobRemoved> WaitAsync(string job, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var signal in removed.Reader.ReadAllAsync(cancellationToken))
            {
                if (signal.Job == job)
                    return signal;
            }
        }
        catch (ChannelClosedException closed)
        {
            throw closed.InnerException ?? closed;
        }
        throw new SystemdUnavailableException("The D-Bus connection closed while waiting for the job to finish.");
    }

    public void Dispose()
    {
        removed.Writer.TryComplete();
        onDispose(this);
    }
}
