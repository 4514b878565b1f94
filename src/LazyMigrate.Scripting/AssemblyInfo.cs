[assembly: System.Runtime.CompilerServices.InternalsVisibleTo("LazyMigrate.Scripting.Tests")]
[assembly: System.Runtime.CompilerServices.InternalsVisibleTo("LazyMigrate.Benchmarks")]
