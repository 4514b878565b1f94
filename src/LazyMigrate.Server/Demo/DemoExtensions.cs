namespace LazyMigrate.Server.Demo;

public static class DemoExtensions
{
    public static IServiceCollection AddDemo(this IServiceCollection services)
    {
        services.AddOptions<DemoOptions>().BindConfiguration("LazyMigrate:Demo");

        // The one HTTP client factory; tests may swap the primary handler to reach an in-memory server.
        services.AddHttpClient<DemoRelyingParty>();
        return services;
    }

    public static IEndpointRouteBuilder MapDemo(this IEndpointRouteBuilder app)
    {
        app.MapGet("/demo/start", (DemoRelyingParty demo, HttpContext context) => Results.Redirect(demo.BeginSignIn(context.Response)));
        return app;
    }
}
