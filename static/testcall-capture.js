/* testcall-capture.js: the audio worklet that hands the microphone's samples to testcall.js. */
class TestcallCapture extends AudioWorkletProcessor {
	process(inputs) {
		var input = inputs[0];
		if (input && input[0] && input[0].length)
			this.port.postMessage(input[0].slice(0));
		return true;
	}
}
registerProcessor('testcall-capture', TestcallCapture);
