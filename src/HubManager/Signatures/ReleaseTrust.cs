using HubManager.Hosting;

namespace HubManager.Signatures;

/// <summary>
/// Whether releases must be signed, and by whom: the allowed signers file (<c>Update:AllowedSigners</c>), read afresh at
/// every update and every <c>GET /update</c>, so that adding, rotating or removing a key needs no restart. A file
/// listing at least one key makes signatures required; a file with no key lines, or a missing file at the default path
/// (<see cref="UpdateOptions.DefaultAllowedSigners"/>), turns them off, which the manager says at start-up and in each
/// update's journal line. A file that cannot be used, or a path set on purpose that does not exist (a typo, or a file
/// the unit's <c>ProtectHome=</c> hides), counts as required and every update fails with the reason: a broken trust
/// file must never mean "trust anything".
/// </summary>
public sealed class ReleaseTrust(string allowedSignersPath, ILogger<ReleaseTrust> logger)
{
    /// <summary>The allowed signers file.</summary>
    public string Path => allowedSignersPath;

    /// <summary>The trusted keys, or null when signatures are off; throws <see cref="SignatureException"/> for an unusable file.</summary>
    public AllowedSigners? Load()
    {
        var signers = AllowedSigners.Load(allowedSignersPath, mayBeMissing: allowedSignersPath == UpdateOptions.DefaultAllowedSigners);
        return signers.Signers.Count == 0 ? null : signers;
    }

    /// <summary><c>required</c> or <c>off</c>, as <c>GET /update</c> shows it.</summary>
    public string Mode
    {
        get
        {
            try
            {
                return Load() is null ? "off" : "required";
            }
            catch (SignatureException)
            {
                return "required";
            }
        }
    }

    /// <summary>Says once, at start-up, when updates will not be signature-checked (or cannot be, for an unusable file).</summary>
    public void ReportAtStartUp()
    {
        try
        {
            if (Load() is { } signers)
                logger.LogInformation("Releases must be signed (namespace {Namespace}) by one of the {Count} keys in {Path}", SignatureCheck.Namespace, signers.Signers.Count, allowedSignersPath);
            else
                logger.LogWarning("Updates are not signature-checked: {Path} lists no key (see Update:AllowedSigners)", allowedSignersPath);
        }
        catch (SignatureException unusable)
        {
            logger.LogError("Every update will fail until this is fixed: {Reason}", unusable.Message);
        }
    }
}
