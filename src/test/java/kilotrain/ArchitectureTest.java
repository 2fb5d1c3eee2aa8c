package kilotrain;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaMethodCall;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * The packages' layering (issue 21): ir <- ops <- program <- compiler <- exec, codegen <- device, train, search <- cli, with no
 * backwards import and no package cycle (importer and data sit on ir and ops; nothing uses cli). A new operator lives in {@code kilotrain.ops.<op>} and may use only the IR
 * and other operators; the C backend does not use the Java executor.
 */
@AnalyzeClasses(packages = "kilotrain", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

    @ArchTest
    static final ArchRule layers = layeredArchitecture().consideringOnlyDependenciesInLayers()
            .withOptionalLayers(true)
            .layer("Util").definedBy("kilotrain.util..")
            .layer("Ir").definedBy("kilotrain.ir..")
            .layer("Ops").definedBy("kilotrain.ops..")
            .layer("Importer").definedBy("kilotrain.importer..")
            .layer("Program").definedBy("kilotrain.program..")
            .layer("Compiler").definedBy("kilotrain.compiler..")
            .layer("Exec").definedBy("kilotrain.exec..")
            .layer("Codegen").definedBy("kilotrain.codegen..")
            .layer("Device").definedBy("kilotrain.device..")
            .layer("Data").definedBy("kilotrain.data..")
            .layer("Train").definedBy("kilotrain.train..")
            .layer("Report").definedBy("kilotrain.report..")
            .layer("Search").definedBy("kilotrain.search..")
            .layer("Cli").definedBy("kilotrain.cli..")
            .whereLayer("Util").mayNotAccessAnyLayer()
            .whereLayer("Ir").mayOnlyAccessLayers("Util")
            .whereLayer("Ops").mayOnlyAccessLayers("Ir", "Util")
            .whereLayer("Importer").mayOnlyAccessLayers("Ir", "Ops", "Util")
            .whereLayer("Program").mayOnlyAccessLayers("Ir", "Ops", "Util")
            .whereLayer("Compiler").mayOnlyAccessLayers("Ir", "Ops", "Program", "Util")
            .whereLayer("Exec").mayOnlyAccessLayers("Ir", "Ops", "Program", "Compiler", "Util")
            .whereLayer("Codegen").mayOnlyAccessLayers("Ir", "Ops", "Program", "Compiler", "Util")
            // building and running on a board, and comparing with the Java twin (device-bench)
            // (compile, device-bench, device-demo and train --device-steps as one call each: model, samples and the
            // memory report too)
            .whereLayer("Device").mayOnlyAccessLayers("Ir", "Ops", "Importer", "Program", "Compiler", "Exec", "Codegen",
                    "Data", "Report", "Util")
            .whereLayer("Data").mayOnlyAccessLayers("Ir", "Util")
            .whereLayer("Train").mayOnlyAccessLayers("Ir", "Ops", "Importer", "Program", "Compiler", "Exec", "Codegen",
                    "Device", "Data", "Report", "Util")
            .whereLayer("Report").mayOnlyAccessLayers("Ir", "Ops", "Program", "Compiler", "Util")
            // (plan as one call: it loads the model it fine-tunes and draws its chart)
            .whereLayer("Search").mayOnlyAccessLayers("Ir", "Ops", "Importer", "Program", "Compiler", "Exec", "Data",
                    "Train", "Report", "Util")
            .whereLayer("Cli").mayNotBeAccessedByAnyLayer();

    /**
     * The memory passes know no operator: what an instruction allows (in place, eager, fused with its update or its
     * consumer) it says through {@code ops.core.Instr}, so a new operator never edits a pass.
     */
    @ArchTest
    static final ArchRule memoryPassesKnowNoOperator = classes().that().resideInAPackage("kilotrain.compiler.memory..")
            .should().onlyDependOnClassesThat().resideInAnyPackage("kilotrain", "kilotrain.compiler.memory..",
                    "kilotrain.ops.core..", "kilotrain.ops.update..", "kilotrain.program..", "kilotrain.ir..",
                    "kilotrain.util..", "java..");

    /**
     * Thin commands: the CLI only parses options and prints; what a command does is a library call that tests and
     * other commands can make, so no class outside {@code kilotrain.cli} uses one inside it.
     */
    @ArchTest
    static final ArchRule nothingUsesTheCli = noClasses().that().resideOutsideOfPackage("kilotrain.cli..")
            .should().dependOnClassesThat().resideInAPackage("kilotrain.cli..");

    /**
     * Thin commands, the other half: a command parses its options, makes its library call and prints the result. It
     * never loads a model, compiles or lowers a step, runs an executor, generates C, draws a chart or writes a file
     * itself: that is the library call's work, where tests and other commands reach it too.
     */
    @ArchTest
    static final ArchRule commandsLeaveTheWorkToTheLibrary = noClasses().that().resideInAPackage("kilotrain.cli..")
            .should().dependOnClassesThat().resideInAnyPackage("kilotrain.importer..", "kilotrain.codegen..")
            .orShould().dependOnClassesThat().belongToAnyOf(kilotrain.compiler.TrainCompiler.class,
                    kilotrain.exec.Executor.class, kilotrain.exec.TrainExecutor.class,
                    kilotrain.exec.CompiledGraph.class, kilotrain.report.Charts.class)
            .orShould().callMethodWhere(new DescribedPredicate<JavaMethodCall>("lowers a step or writes a file") {
                @Override
                public boolean test(JavaMethodCall call) {
                    String owner = call.getTargetOwner().getName(), name = call.getName();
                    return owner.equals(kilotrain.compiler.memory.DevicePipeline.class.getName()) && name.equals("lower")
                            || owner.equals(kilotrain.util.AtomicFiles.class.getName()) && name.startsWith("write")
                            || owner.equals(kilotrain.model.TrainedModel.class.getName()) && name.equals("save")
                            || owner.equals(kilotrain.compiler.Scheme.class.getName()) && name.equals("write");
                }
            });

    @ArchTest
    static final ArchRule noPackageCycles = slices().matching("kilotrain.(*)..").should().beFreeOfCycles();

    @ArchTest
    static final ArchRule noOperatorCycles = slices().matching("kilotrain.ops.(*)..").should().beFreeOfCycles();
}
