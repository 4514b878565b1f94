using MimeKit;

namespace LazyMigrate.Server.Tests.Fixtures;

/// <summary>Reads what the server dropped in its pickup folder.</summary>
public static class MailTo
{
    public static async Task<bool> ExistsAsync(string directory, string email) => await BodyAsync(directory, email) is not null;

    /// <summary>The text of the first message to <paramref name="email"/>, or null when none was written yet.</summary>
    public static async Task<string?> BodyAsync(string directory, string email)
    {
        if (!Directory.Exists(directory))
        {
            return null;
        }

        foreach (var file in Directory.GetFiles(directory, "*.eml"))
        {
            var message = await MimeMessage.LoadAsync(file, TestContext.Current.CancellationToken);
            if (message.To.Mailboxes.Any(m => string.Equals(m.Address, email, StringComparison.OrdinalIgnoreCase)))
            {
                return message.TextBody ?? string.Empty;
            }
        }

        return null;
    }
}
