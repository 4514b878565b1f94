using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace LazyMigrate.Server.Email;

/// <summary><c>LazyMigrate:Email</c>: an SMTP server, or (when no host is set) a pickup folder for local runs.</summary>
public sealed class EmailOptions
{
    public string From { get; set; } = "LazyMigrate <no-reply@localhost>";

    public SmtpOptions Smtp { get; set; } = new();

    /// <summary>Where messages are written as .eml files when no SMTP host is configured.</summary>
    public string PickupDirectory { get; set; } = Path.Combine(".data", "mail");
}

public sealed class SmtpOptions
{
    public string? Host { get; set; }

    public int Port { get; set; } = 587;

    public string? Username { get; set; }

    public string? Password { get; set; }

    /// <summary>STARTTLS (or TLS on port 465) unless explicitly turned off for a local relay.</summary>
    public bool UseTls { get; set; } = true;
}

/// <summary>Sends mail through MailKit, or drops it in the pickup folder.</summary>
public sealed class EmailSender(Microsoft.Extensions.Options.IOptions<EmailOptions> options, ILogger<EmailSender> logger)
{
    public bool UsesPickupDirectory => string.IsNullOrWhiteSpace(options.Value.Smtp.Host);

    public async Task SendAsync(string to, string subject, string text, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(settings.From));
        message.To.Add(MailboxAddress.Parse(to));
        message.Subject = subject;
        message.Body = new TextPart("plain") { Text = text };

        if (UsesPickupDirectory)
        {
            Directory.CreateDirectory(settings.PickupDirectory);
            var path = Path.Combine(settings.PickupDirectory, $"{DateTime.UtcNow:yyyyMMddHHmmssfff}-{Guid.NewGuid():N}.eml");
            // Written aside and renamed: whoever watches the folder never opens a half-written message.
            var partial = path + ".partial";
            await message.WriteToAsync(partial, cancellationToken);
            File.Move(partial, path);
            logger.LogInformation("Email \"{Subject}\" written to {Path}", subject, path);
            return;
        }

        using var client = new SmtpClient();
        var security = !settings.Smtp.UseTls ? SecureSocketOptions.None
            : settings.Smtp.Port == 465 ? SecureSocketOptions.SslOnConnect : SecureSocketOptions.StartTls;
        await client.ConnectAsync(settings.Smtp.Host!, settings.Smtp.Port, security, cancellationToken);
        if (!string.IsNullOrEmpty(settings.Smtp.Username))
        {
            await client.AuthenticateAsync(settings.Smtp.Username, settings.Smtp.Password ?? string.Empty, cancellationToken);
        }

        await client.SendAsync(message, cancellationToken);
        await client.DisconnectAsync(true, cancellationToken);
        logger.LogInformation("Email \"{Subject}\" sent", subject);
    }
}
