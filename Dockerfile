# The LazyMigrate server. Build: docker build -t lazymigrate .   Run: see docker-compose.yml.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
# Node.js bundles the console's script editor (CodeMirror, pinned by package-lock.json) during the build.
RUN apt-get update && apt-get install -y --no-install-recommends nodejs npm && rm -rf /var/lib/apt/lists/*
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig ./
COPY src/ src/
# The publish output carries the sandbox worker in /app/sandbox (src/LazyMigrate.Sandbox/SandboxWorker.targets).
RUN dotnet publish src/LazyMigrate.Server -c Release -o /app --nologo

FROM mcr.microsoft.com/dotnet/aspnet:10.0
WORKDIR /app
COPY --from=build /app ./
# The image runs as the unprivileged user the base image provides; so do the sandbox workers the server starts.
USER $APP_UID
ENV ASPNETCORE_URLS=http://+:8080
EXPOSE 8080
ENTRYPOINT ["dotnet", "LazyMigrate.Server.dll"]
