# `score` (Malaria.Training): multi-stage build for linux-x64; runs as a non-root user; reads and writes only the
# mounted data folder (and /tmp). The entry point is the score command, so the container's arguments are its options.
#   docker build -f deploy/score.Dockerfile -t malaria-score .                       (from the repository root)
#   docker run --rm --read-only --tmpfs /tmp -v /srv/cells:/data malaria-score --input /data/cells.txt --out /data/scores
#   docker run --rm --read-only --tmpfs /tmp -v /srv/cells:/data malaria-score merge /data/scores
# The trainer carries LibTorch for training (about 0.5 GB of native libraries); score itself runs on ONNX Runtime.

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
# Restore first, from the project files alone, so the package layer is cached across source edits.
COPY Directory.Build.props Directory.Packages.props ./
COPY Malaria.Inference/Malaria.Inference.csproj Malaria.Inference/
COPY Malaria.Training/Malaria.Training.csproj Malaria.Training/
RUN dotnet restore Malaria.Training/Malaria.Training.csproj -r linux-x64
COPY Malaria.Inference/ Malaria.Inference/
COPY Malaria.Training/ Malaria.Training/
RUN dotnet publish Malaria.Training/Malaria.Training.csproj -c Release -r linux-x64 --self-contained false --no-restore -o /app

FROM mcr.microsoft.com/dotnet/runtime:10.0 AS final
WORKDIR /app
COPY --from=build /app ./
# Workstation GC: one process per core is the unit a Job scales by. Plain text logs (the progress line every 10 s).
ENV TMPDIR=/tmp \
    DOTNET_gcServer=0
# The .NET runtime images ship a non-root user "app" (UID 1654).
USER $APP_UID
ENTRYPOINT ["dotnet", "Malaria.Training.dll", "score"]
