using HubManager.Hosting;

namespace HubManager.Updates;

/// <summary>
/// Where the NAS password comes from, first found wins: <c>Nas:Password</c>, the first line of
/// <c>Nas:PasswordFile</c>, the systemd credential <c>nas-password</c> (<c>$CREDENTIALS_DIRECTORY/nas-password</c>,
/// for <c>LoadCredential=</c>). Files are read at each login so that a rotated password is picked up.
/// </summary>
public static class NasPassword
{
    public const string CredentialName = "nas-password";

    public static string Read(NasOptions nas)
    {
        if (!string.IsNullOrEmpty(nas.Password))
            return nas.Password;
        if (nas.PasswordFile is { } file)
            return FirstLine(file, "Nas:PasswordFile");
        try
        {
            if (SystemdCredentials.Read(CredentialName) is { } credential)
                return credential;
        }
        catch (Exception unreadable) when (unreadable is IOException or UnauthorizedAccessException or ConfigurationException)
        {
            throw new NasException($"cannot read the credential {CredentialName}: {unreadable.Message}");
        }
        throw new NasException($"no NAS password: set Nas:Password or Nas:PasswordFile, or pass the credential {CredentialName} (LoadCredential=)");
    }

    static string FirstLine(string path, string what)
    {
        try
        {
            using var reader = new StreamReader(path);
            return reader.ReadLine() ?? "";
        }
        catch (Exception failure) when (failure is IOException or UnauthorizedAccessException)
        {
            throw new NasException($"cannot read the NAS password from {what} ({path}): {failure.Message}");
        }
    }
}
