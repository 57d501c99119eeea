using KvsEdge.Cli;

return await KvsEdgeCommands.InvokeAsync(args).ConfigureAwait(false);
