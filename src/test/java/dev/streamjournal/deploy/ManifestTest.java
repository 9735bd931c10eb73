package dev.streamjournal.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.StreamSupport;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * Renders each overlay with {@code kubectl kustomize} and checks the invariants a deployment relies on:
 * probes and ports, configuration keys, images, resources, security context, drain timing, and that the
 * Service, PodDisruptionBudget, HorizontalPodAutoscaler and NetworkPolicy find the pods.
 */
class ManifestTest {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final String APP = "stream-journal";

    private static final Map<String, List<JsonNode>> RENDERED = new HashMap<>();

    /** The objects {@code kubectl kustomize} renders for an overlay, rendered once per run. */
    private static synchronized List<JsonNode> render(String overlay) throws IOException, InterruptedException {
        List<JsonNode> rendered = RENDERED.get(overlay);
        if (rendered == null) {
            rendered = kustomize(overlay);
            RENDERED.put(overlay, rendered);
        }
        return rendered;
    }

    private static List<JsonNode> kustomize(String overlay) throws IOException, InterruptedException {
        Process process = new ProcessBuilder("kubectl", "kustomize", "k8s/overlays/" + overlay).start();
        String output = new String(process.getInputStream().readAllBytes());
        String errors = new String(process.getErrorStream().readAllBytes());
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(errors).isZero();
        List<JsonNode> objects = new ArrayList<>();
        YAML.readerFor(JsonNode.class).readValues(new StringReader(output)).forEachRemaining(o -> objects.add((JsonNode) o));
        return objects;
    }

    private static List<JsonNode> ofKind(List<JsonNode> objects, String kind) {
        return objects.stream().filter(o -> o.path("kind").asText().equals(kind)).toList();
    }

    private static JsonNode one(List<JsonNode> objects, String kind, String name) {
        List<JsonNode> found = ofKind(objects, kind).stream()
                .filter(o -> o.path("metadata").path("name").asText().equals(name)).toList();
        assertThat(found).as(kind + " " + name).hasSize(1);
        return found.get(0);
    }

    private static JsonNode container(JsonNode deployment) {
        for (JsonNode container : deployment.path("spec").path("template").path("spec").path("containers")) {
            if (container.path("name").asText().equals(APP)) {
                return container;
            }
        }
        throw new AssertionError("no container " + APP);
    }

    private static Map<String, String> map(JsonNode node) {
        Map<String, String> result = new HashMap<>();
        node.fields().forEachRemaining(e -> result.put(e.getKey(), e.getValue().asText()));
        return result;
    }

    @ParameterizedTest
    @ValueSource(strings = {"dev", "prod"})
    void probesPortsAndServiceFitTogether(String overlay) throws Exception {
        List<JsonNode> objects = render(overlay);
        JsonNode deployment = one(objects, "Deployment", APP);
        JsonNode container = container(deployment);
        Map<String, String> podLabels = map(deployment.path("spec").path("template").path("metadata").path("labels"));

        Map<String, Integer> ports = new HashMap<>();
        container.path("ports").forEach(p -> ports.put(p.path("name").asText(), p.path("containerPort").asInt()));
        assertThat(ports).containsEntry("http", 8080);
        assertThat(container.path("startupProbe").path("httpGet").path("path").asText()).isEqualTo("/q/health/started");
        assertThat(container.path("readinessProbe").path("httpGet").path("path").asText()).isEqualTo("/q/health/ready");
        assertThat(container.path("livenessProbe").path("httpGet").path("path").asText()).isEqualTo("/q/health/live");
        for (String probe : List.of("startupProbe", "readinessProbe", "livenessProbe")) {
            assertThat(ports).as(probe).containsKey(container.path(probe).path("httpGet").path("port").asText());
        }

        JsonNode service = one(objects, "Service", APP);
        assertThat(podLabels).containsAllEntriesOf(map(service.path("spec").path("selector")));
        assertThat(service.path("spec").path("ports")).allSatisfy(port ->
                assertThat(ports).containsKey(port.path("targetPort").asText()));

        assertThat(map(deployment.path("spec").path("selector").path("matchLabels"))).isEqualTo(
                map(one(objects, "PodDisruptionBudget", APP).path("spec").path("selector").path("matchLabels")));
        JsonNode target = one(objects, "HorizontalPodAutoscaler", APP).path("spec").path("scaleTargetRef");
        assertThat(target.path("kind").asText() + "/" + target.path("name").asText()).isEqualTo("Deployment/" + APP);
        assertThat(one(objects, "HorizontalPodAutoscaler", APP).path("spec").path("minReplicas").asInt()).isGreaterThanOrEqualTo(2);
        assertThat(deployment.path("spec").path("replicas").asInt()).isGreaterThanOrEqualTo(2);

        JsonNode policy = one(objects, "NetworkPolicy", APP).path("spec");
        assertThat(podLabels).containsAllEntriesOf(map(policy.path("podSelector").path("matchLabels")));
        List<String> sources = new ArrayList<>();
        policy.path("ingress").forEach(rule -> rule.path("from").forEach(peer -> sources.add(
                peer.path("namespaceSelector").path("matchLabels").path("kubernetes.io/metadata.name").asText())));
        assertThat(sources).containsExactlyInAnyOrder("ingress-nginx", "monitoring");
        one(objects, "ServiceAccount", deployment.path("spec").path("template").path("spec").path("serviceAccountName").asText());
    }

    @ParameterizedTest
    @ValueSource(strings = {"dev", "prod"})
    void everyEnvironmentKeyIsAConfigurationKeyOfTheService(String overlay) throws Exception {
        List<JsonNode> objects = render(overlay);
        JsonNode deployment = one(objects, "Deployment", APP);
        JsonNode container = container(deployment);
        Set<String> names = new HashSet<>();
        container.path("env").forEach(env -> names.add(env.path("name").asText()));
        for (JsonNode source : container.path("envFrom")) {
            String name = source.path("configMapRef").path("name").asText();
            names.addAll(map(one(objects, "ConfigMap", name).path("data")).keySet());
        }
        Set<String> known = new HashSet<>();
        configurationKeys().forEach(key -> known.add(key.toUpperCase().replaceAll("[^A-Z0-9]", "_")));
        assertThat(names).isNotEmpty().allSatisfy(name -> assertThat(known).as("configuration key for " + name).contains(name));

        for (JsonNode env : container.path("env")) {
            JsonNode ref = env.path("valueFrom").path("secretKeyRef");
            if (!ref.isMissingNode() && overlay.equals("dev")) {
                assertThat(map(one(objects, "Secret", ref.path("name").asText()).path("data"))).containsKey(ref.path("key").asText());
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"dev", "prod"})
    void imagesResourcesAndSecurityContext(String overlay) throws Exception {
        List<JsonNode> objects = render(overlay);
        for (JsonNode workload : objects) {
            if (!Set.of("Deployment", "StatefulSet").contains(workload.path("kind").asText())) {
                continue;
            }
            JsonNode pod = workload.path("spec").path("template").path("spec");
            assertThat(pod.path("securityContext").path("runAsNonRoot").asBoolean()).as("runAsNonRoot").isTrue();
            for (JsonNode container : pod.path("containers")) {
                String image = container.path("image").asText();
                assertThat(image).as("image").matches(".+(:[^/:]+|@sha256:[0-9a-f]{64})$").doesNotEndWith(":latest");
                for (String kind : List.of("requests", "limits")) {
                    for (String resource : List.of("cpu", "memory")) {
                        assertThat(container.path("resources").path(kind).path(resource).asText())
                                .as(image + " " + kind + "." + resource).isNotEmpty();
                    }
                }
                assertThat(container.path("securityContext").path("allowPrivilegeEscalation").asText()).isEqualTo("false");
                assertThat(container.path("securityContext").path("capabilities").path("drop").toString()).contains("ALL");
            }
        }
        JsonNode deployment = one(objects, "Deployment", APP);
        JsonNode pod = deployment.path("spec").path("template").path("spec");
        JsonNode container = container(deployment);
        assertThat(container.path("securityContext").path("readOnlyRootFilesystem").asBoolean()).isTrue();
        String tmpVolume = StreamSupport.stream(container.path("volumeMounts").spliterator(), false)
                .filter(m -> m.path("mountPath").asText().equals("/tmp")).findFirst().orElseThrow()
                .path("name").asText();
        assertThat(StreamSupport.stream(pod.path("volumes").spliterator(), false)
                .filter(v -> v.path("name").asText().equals(tmpVolume)).findFirst().orElseThrow()
                .has("emptyDir")).as("/tmp is an emptyDir").isTrue();
    }

    /** SIGTERM to exit must fit in the grace period: preStop sleep, then the shutdown delay and timeout. */
    @ParameterizedTest
    @ValueSource(strings = {"dev", "prod"})
    void theGracePeriodCoversPreStopAndTheGracefulShutdown(String overlay) throws Exception {
        JsonNode deployment = one(render(overlay), "Deployment", APP);
        JsonNode container = container(deployment);
        JsonNode preStop = container.path("lifecycle").path("preStop").path("exec").path("command");
        assertThat(preStop.get(0).asText()).isEqualTo("sleep");
        long preStopSeconds = preStop.get(1).asLong();
        Properties properties = applicationProperties();
        assertThat(properties.getProperty("quarkus.shutdown.delay-enabled")).isEqualTo("true");
        long shutdown = Duration.parse("PT" + properties.getProperty("quarkus.shutdown.delay").toUpperCase()).toSeconds()
                + Duration.parse("PT" + properties.getProperty("quarkus.shutdown.timeout").toUpperCase()).toSeconds();
        assertThat(deployment.path("spec").path("template").path("spec").path("terminationGracePeriodSeconds").asLong())
                .isGreaterThan(preStopSeconds + shutdown);
    }

    @Test
    void devBringsItsDatabase_prodTakesItFromASecretItDoesNotContain() throws Exception {
        List<JsonNode> dev = render("dev");
        JsonNode postgres = one(dev, "StatefulSet", "postgres");
        assertThat(postgres.path("spec").path("volumeClaimTemplates")).isNotEmpty();
        JsonNode service = one(dev, "Service", "postgres");
        assertThat(map(postgres.path("spec").path("template").path("metadata").path("labels")))
                .containsAllEntriesOf(map(service.path("spec").path("selector")));
        assertThat(ofKind(dev, "ConfigMap").stream().map(c -> c.path("metadata").path("name").asText()))
                .anyMatch(name -> name.startsWith("stream-journal-jwt"));

        List<JsonNode> prod = render("prod");
        assertThat(ofKind(prod, "Secret")).as("no secret in the prod manifests").isEmpty();
        assertThat(ofKind(prod, "StatefulSet")).isEmpty();
        JsonNode deployment = one(prod, "Deployment", APP);
        assertThat(deployment.path("spec").path("replicas").asInt()).isEqualTo(3);
        Map<String, String> config = map(one(prod, "ConfigMap", APP).path("data"));
        assertThat(config).containsEntry("QUARKUS_PROFILE", "prod").containsEntry("JOURNAL_AUTH_ENABLED", "true")
                .containsKey("MP_JWT_VERIFY_PUBLICKEY_LOCATION");

        JsonNode example = YAML.readTree(Files.readString(Path.of("k8s/base/secret.example.yaml")));
        assertThat(map(example.path("stringData")).values()).allSatisfy(value -> assertThat(value).contains("REPLACE"));
    }

    /** application.properties keys (without profile prefixes) and every key of the configuration table in docs/operations.md. */
    private static Set<String> configurationKeys() throws IOException {
        Set<String> keys = new HashSet<>();
        for (Object key : applicationProperties().keySet()) {
            keys.add(key.toString().replaceFirst("^%[a-z]+\\.", ""));
        }
        String operations = Files.readString(Path.of("docs/operations.md"));
        String section = operations.substring(operations.indexOf("## Configuration") + 1);
        String table = section.substring(0, section.indexOf("\n## "));
        Matcher row = Pattern.compile("(?m)^\\| `([a-z0-9.-]+)`(?: / `\\.([a-z0-9-]+)`)? \\|").matcher(table);
        while (row.find()) {
            keys.add(row.group(1));
            if (row.group(2) != null) {
                keys.add(row.group(1).substring(0, row.group(1).lastIndexOf('.') + 1) + row.group(2));
            }
        }
        return keys;
    }

    private static Properties applicationProperties() throws IOException {
        Properties properties = new Properties();
        try (var in = Files.newBufferedReader(Path.of("src/main/resources/application.properties"))) {
            properties.load(in);
        }
        return properties;
    }
}
