using LazyMigrate.Server.Jobs;

namespace LazyMigrate.Server.ResetCampaign;

public static class ResetCampaignExtensions
{
    /// <summary>Reset-email campaigns for the users a bulk import brought without a usable password.</summary>
    public static IServiceCollection AddResetCampaign(this IServiceCollection services)
    {
        services.AddScoped<ResetCampaigns>();
        services.AddKeyedScoped<IJobWork, ResetCampaignWork>(JobKind.ResetCampaign);
        return services;
    }
}
