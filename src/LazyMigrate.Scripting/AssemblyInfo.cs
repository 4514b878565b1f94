[assembly: System.Runtime.CompilerServices.InternalsVisibleTo("LazyMigrate.Scripting.Tests")]
[assembly: System.Runtime.CompilerServices.InternalsVisibleTo("LazyMigrate.Benchmarks")]
[assembly: System.Runtime.CompilerServices.InternalsVisibleTo("LazyMigrate.CampaignBench")]
