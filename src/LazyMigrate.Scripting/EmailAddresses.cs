using LazyMigrate.Scripting.Sandbox;

namespace LazyMigrate.Scripting;

/// <summary>
/// The one rule for what an email address is, shared with the server: the addresses people type (registration, reset,
/// administration) are checked and normalised exactly as the ones legacy scripts return.
/// </summary>
public static class EmailAddresses
{
    /// <summary>Trims, NFC-normalises, checks the syntax and lower-cases the domain; null when it is not an address.</summary>
    public static string? Normalise(string email) => ProfileNormaliser.NormaliseEmail(email);
}
