using LazyMigrate.Cli;

return await ScriptCommands.RunAsync(args, Console.Out, Console.Error);
