using System.Diagnostics;

namespace HubManager.Tests.Sandbox;

/// <summary>The result of a finished command.</summary>
public sealed record CommandResult(int ExitCode, string Stdout, string Stderr)
{
    public CommandResult EnsureSuccess(string what)
    {
        if (ExitCode != 0)
            throw new InvalidOperationException($"{what} exited {ExitCode}: {Stderr.Trim()} {Stdout.Trim()}");
        return this;
    }
}

/// <summary>Runs a program to completion with a deadline, capturing its output.</summary>
public static class Shell
{
    public static async Task<CommandResult> RunAsync(string file, IEnumerable<string> args, string? stdin = null, TimeSpan? timeout = null)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = stdin is not null,
            UseShellExecute = false,
        };
        foreach (var arg in args)
            start.ArgumentList.Add(arg);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {file}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
            process.StandardInput.Close();
        }
        using var deadline = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish in time");
        }
        return new CommandResult(process.ExitCode, await stdout, await stderr);
    }
}
