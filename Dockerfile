# One image per service, from this repository: docker build --build-arg SERVICE=<module> --build-arg PORT=<port> .
# docker-compose.yml builds all six. The build stage is the same for every service (it packages them all
# once), so Docker's cache builds the code once for six images.
FROM eclipse-temurin:21-jdk AS build
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/root/.m2 ./mvnw -B -ntp -q -DskipTests -Dspotless.check.skip=true package \
 && mkdir /jars && cp */target/*-exec.jar /jars/

FROM eclipse-temurin:21-jre
# the service (a module of this repository) and the port its <service>.yml listens on by default
ARG SERVICE
ARG PORT
RUN test -n "$SERVICE" && test -n "$PORT" \
 && apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/* \
 && groupadd --system donna && useradd --system --gid donna --home-dir /app --shell /usr/sbin/nologin donna \
 && mkdir -p /app /var/lib/donna && chown donna:donna /var/lib/donna
COPY --from=build /jars/${SERVICE}-0.1.0-SNAPSHOT-exec.jar /app/service.jar
ENV DONNA_SERVICE=${SERVICE} \
    DONNA_HEALTH_PORT=${PORT} \
    JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=75 -XX:+ExitOnOutOfMemoryError"
USER donna
WORKDIR /var/lib/donna
EXPOSE ${PORT}
# actuator health answers anyone; DOWN (503) fails curl -f
HEALTHCHECK --interval=10s --timeout=3s --start-period=90s --retries=3 \
  CMD curl -fsS -o /dev/null "http://127.0.0.1:${DONNA_HEALTH_PORT}/actuator/health" || exit 1
ENTRYPOINT ["java", "-jar", "/app/service.jar"]
