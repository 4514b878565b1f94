using System.Data.Common;
using System.Globalization;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace LazyMigrate.Server.Data;

/// <summary>
/// Counts the PostgreSQL commands (round trips) one HTTP request makes and answers them in an <c>X-Database-Commands</c>
/// response header. For the load bench only (<c>LazyMigrate:Bench:CountDatabaseCommands</c>); off by default, and then
/// neither the interceptor nor the middleware is registered.
/// </summary>
public static class DatabaseCommandCount
{
    public const string Setting = "LazyMigrate:Bench:CountDatabaseCommands";
    public const string Header = "X-Database-Commands";

    private static readonly AsyncLocal<StrongBox> Current = new();

    public static bool IsEnabled(IConfiguration configuration) => configuration.GetValue<bool>(Setting);

    internal static void Count()
    {
        if (Current.Value is { } box)
        {
            Interlocked.Increment(ref box.Value);
        }
    }

    private sealed class StrongBox
    {
        public int Value;
    }

    internal sealed class Interceptor : DbCommandInterceptor
    {
        public override InterceptionResult<DbDataReader> ReaderExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result)
        {
            Count();
            return result;
        }

        public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
        {
            Count();
            return ValueTask.FromResult(result);
        }

        public override InterceptionResult<int> NonQueryExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<int> result)
        {
            Count();
            return result;
        }

        public override ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
        {
            Count();
            return ValueTask.FromResult(result);
        }

        public override InterceptionResult<object> ScalarExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<object> result)
        {
            Count();
            return result;
        }

        public override ValueTask<InterceptionResult<object>> ScalarExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<object> result, CancellationToken cancellationToken = default)
        {
            Count();
            return ValueTask.FromResult(result);
        }
    }

    /// <summary>First in the pipeline, so everything the request does is inside the count.</summary>
    internal sealed class StartupFilter(IConfiguration configuration) : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            if (!IsEnabled(configuration))
            {
                next(app);
                return;
            }

            app.Use((context, following) =>
            {
                var box = new StrongBox();
                Current.Value = box;
                context.Response.OnStarting(() =>
                {
                    context.Response.Headers[Header] = Volatile.Read(ref box.Value).ToString(CultureInfo.InvariantCulture);
                    return Task.CompletedTask;
                });
                return following(context);
            });
            next(app);
        };
    }
}
