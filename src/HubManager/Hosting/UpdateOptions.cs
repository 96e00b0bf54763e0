namespace HubManager.Hosting;

/// <summary>
/// How an update proves the new release healthy, how many backups it keeps and how big a package may be.
/// The initial values are the defaults of the <c>Update:</c> keys (<see cref="HubManagerOptions.Load"/>).
/// </summary>
public sealed record UpdateOptions
{
    /// <summary>The new release must stay active this long (and answer <see cref="HealthUrl"/>) to be kept.</summary>
    public int HealthGraceSeconds { get; init; } = 10;

    public Uri? HealthUrl { get; init; }

    /// <summary>How many earlier releases stay on disk to roll back to.</summary>
    public int KeepBackups { get; init; } = 3;

    /// <summary>When true, a package without a <c>.sha256</c> sidecar on the NAS is refused.</summary>
    public bool RequireChecksum { get; init; }

    /// <summary>
    /// The OpenSSH allowed_signers file of the keys trusted to sign releases; when it lists a key, every package needs a
    /// <c>.sig</c> by one of them. Missing or without keys: updates are not signature-checked.
    /// </summary>
    public string AllowedSigners { get; init; } = DefaultAllowedSigners;

    /// <summary>Where the .deb and the README put the allowed signers; only here may the file be missing (signatures off).</summary>
    public const string DefaultAllowedSigners = "/etc/hub-manager/allowed_signers";

    /// <summary>A package with more tar entries than this is refused (a tar bomb of empty files).</summary>
    public int MaxEntries { get; init; } = 200_000;

    /// <summary>A package whose files add up to more bytes than this is refused (a gzip bomb).</summary>
    public long MaxExtractedBytes { get; init; } = 8L << 30;
}
