namespace LazyMigrate.Scripting; internal static class Placeholder {}
