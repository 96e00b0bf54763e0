// The hub's own client against an agent's manager: axios 1.10 called the way backend-ai's hub calls agent
// managers (hub/api/SimpleHttpAgents.ts, manager-control.ts): GET /status with a 2 s timeout, POST /start and
// /stop with {"correlationId"} and axios's defaults for everything else. Only the source address is bound: the
// hub is another machine on the LAN.
//
//   NODE_PATH=<dir>/node_modules node hub-client.cjs BASE LOCAL_ADDRESS CALL...
//   CALL is "GET /status" or "POST /stop cmd_1"; prints a JSON array: per call its status, body and request headers.
const axios = require('axios');
const http = require('http');

const [base, localAddress, ...calls] = process.argv.slice(2);
const httpAgent = new http.Agent({ localAddress });

(async () => {
  const answers = [];
  for (const call of calls) {
    const [method, path, correlationId] = call.split(' ');
    try {
      const response = method === 'GET'
        ? await axios.get(base + path, { timeout: 2000, httpAgent })
        : await axios.post(base + path, { correlationId }, { httpAgent });
      answers.push({ status: response.status, data: response.data, sent: response.request.getHeaders(), host: response.request.host });
    } catch (error) {
      answers.push({ status: error.response ? error.response.status : 0, data: error.response ? error.response.data : String(error) });
    }
  }
  process.stdout.write(JSON.stringify(answers));
})();
